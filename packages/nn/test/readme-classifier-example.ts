import { noGrad, randn } from '@kindling/core';
import {
  AdamW, AdaptiveAvgPool1d, BatchNorm1d, Conv1d, CrossEntropyLoss, DataLoader, Dropout, Flatten,
  Linear, MaxPool1d, ReLU, Sequential, StepLR, TensorDataset, saveSafetensors, summary,
} from '@kindling/nn';

// 256 noisy sequences; class 1 when the second half is higher on average than the first.
const x = randn([256, 1, 32], { seed: 0 });
const halves = noGrad(() => x.narrow(2, 16, 16).mean(2).sub(x.narrow(2, 0, 16).mean(2)));
const labels = noGrad(() => halves.gt(0).reshape([-1]));         // 0/1 floats: class indices
const loader = new DataLoader(new TensorDataset(x, labels), { batchSize: 32, shuffle: true, seed: 1 });

const model = new Sequential(
  new Conv1d(1, 8, 5, { padding: 2, seed: 2 }), new BatchNorm1d(8), new ReLU(), new MaxPool1d(2),
  new Conv1d(8, 8, 5, { padding: 2, seed: 3 }), new BatchNorm1d(8), new ReLU(),
  new AdaptiveAvgPool1d(4), new Flatten(), new Dropout(0.1, { seed: 4 }), new Linear(32, 2, { seed: 5 }),
);
console.log(summary(model, [32, 1, 32]));                        // layers, output shapes, parameters
const lossFn = new CrossEntropyLoss();
const opt = new AdamW(model.parameters(), { lr: 0.01 });
const schedule = new StepLR(opt, 10, { gamma: 0.5 });

for (let epoch = 0; epoch < 20; epoch++) {
  model.train();
  for (const [xb, yb] of loader) {
    opt.zeroGrad();
    lossFn.forward(model.forward(xb!), yb!).backward();
    opt.step();
  }
  schedule.step();
}
model.eval();
const predicted = noGrad(() => model.forward(x).argmax(1));
const accuracy = noGrad(() => predicted.eq(labels).mean().item());
const bytes = saveSafetensors(model.stateDict());               // PyTorch's keys: '1.running_mean', ...
export { accuracy, bytes, model };
