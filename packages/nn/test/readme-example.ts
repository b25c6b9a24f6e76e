// The first code block of README.md, verbatim (test/readme.test.ts checks it), plus exports for the test.

import { randn, noGrad } from '@kindling/core';
import { Conv1d, MSELoss, ReLU, SGD, Sequential, saveSafetensors, loadSafetensors } from '@kindling/nn';

const model = new Sequential(
  new Conv1d(1, 4, 3, { padding: 'same', seed: 0 }),
  new ReLU(),
  new Conv1d(4, 1, 3, { padding: 'same', seed: 1 }),
);
const x = randn([8, 1, 16], { seed: 2 });
const y = noGrad(() => x.mul(0.5).tanh());           // something to learn
const lossFn = new MSELoss();
const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });

for (let step = 0; step < 100; step++) {
  opt.zeroGrad();
  const loss = lossFn.forward(model.forward(x), y);
  loss.backward();
  opt.step();
}

const bytes = saveSafetensors(model.stateDict());    // Uint8Array, browser or Node
model.loadStateDict(loadSafetensors(bytes));

export { model, x, y, lossFn, bytes };
