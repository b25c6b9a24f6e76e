// The blog's 1-D CNN trained through the installed packages, from plain JavaScript.
import { tensor } from '@kindling/core';
import { Conv1d, MSELoss, SGD } from '@kindling/nn';
import { loadSafetensorsFile, saveSafetensorsFile } from '@kindling/nn/node';
import { trainBlogExample } from '@kindling/examples';

const model = new Conv1d(1, 1, 3);
model.loadStateDict({ weight: [[[1, 1, 1]]], bias: [0.5] });
const x = tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]);
const target = tensor([[[1, 0, 0]]]);
const lossFn = new MSELoss();
const opt = new SGD(model.parameters(), { lr: 0.11 });
let first = null;
let last = null;
for (let epoch = 0; epoch <= 200; epoch++) {
  opt.zeroGrad();
  const loss = lossFn.forward(model.forward(x), target);
  first ??= loss.item();
  last = loss.item();
  loss.backward();
  opt.step();
}

// The Node-only subpath: a safetensors file round trip.
const file = new URL('./blog.safetensors', import.meta.url).pathname;
saveSafetensorsFile(file, model.stateDict());
const reloaded = loadSafetensorsFile(file);

const example = trainBlogExample();
console.log(JSON.stringify({
  weight: model.weight.toArray()[0][0],
  bias: model.bias.item(),
  firstLoss: first,
  lastLoss: last,
  reloaded: { weight: reloaded.weight.toArray()[0][0], bias: reloaded.bias.toArray()[0] },
  example: { weight: example.weight, bias: example.bias, epochs: example.history.length },
}));
