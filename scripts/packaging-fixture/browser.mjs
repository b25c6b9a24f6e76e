// A browser entry: only the main entries of @kindling/core and @kindling/nn. Bundled with
// esbuild for the browser; the test also runs the bundle to check that tree shaking kept what
// runs on import (the 'wasm' backend registers itself).
import { conv1d, getBackend, setBackend, tensor } from '@kindling/core';
import { Conv1d, MSELoss, SGD, loadSafetensors, saveSafetensors } from '@kindling/nn';

// No import names the wasm backend: it must still have registered itself (WebAssembly SIMD is
// in every current browser and in Node 20).
const backends = [];
try {
  setBackend('wasm');
  backends.push(getBackend());
  setBackend('js');
} catch (e) {
  backends.push(`setBackend('wasm') failed: ${e.message}`);
}
const model = new Conv1d(1, 1, 3);
model.loadStateDict({ weight: [[[1, 1, 1]]], bias: [0.5] });
const x = tensor([[[1, 0.7, 0.5, 0.3, 0.1]]]);
const target = tensor([[[1, 0, 0]]]);
const lossFn = new MSELoss();
const opt = new SGD(model.parameters(), { lr: 0.11 });
for (let epoch = 0; epoch <= 200; epoch++) {
  opt.zeroGrad();
  lossFn.forward(model.forward(x), target).backward();
  opt.step();
}
model.loadStateDict(loadSafetensors(saveSafetensors(model.stateDict())));
const check = conv1d(x, model.weight, model.bias).toArray();
const result = { weight: model.weight.toArray()[0][0], bias: model.bias.item(), check, backends };
if (typeof document !== 'undefined') document.body.textContent = JSON.stringify(result);
else console.log(JSON.stringify(result));
