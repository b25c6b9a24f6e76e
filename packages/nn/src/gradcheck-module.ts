import { type GradcheckOptions, type Tensor, checkOptions, gradcheck } from '@kindling/core';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { checkTensor, describeInput } from './util.js';

/**
 * `gradcheck` for a module: compares the autograd gradient of `module.forward(...inputs)` with
 * central differences, with respect to every input that requires grad and every parameter that
 * does (frozen parameters stay constants). Returns true, or throws gradcheck's error, which
 * numbers the inputs first and then the parameters in `namedParameters()` order.
 *
 * gradcheck differentiates float64 copies of what it checks, so for the duration of the check
 * the module's parameter properties hold those copies; afterwards (also when the check throws)
 * every property holds its own `Parameter` object again, so optimizers built on
 * `module.parameters()` keep training the module.
 *
 * @example
 * ```ts
 * import { randn } from '@kindling/core';
 * import { Conv1d, SGD, gradcheckModule } from '@kindling/nn';
 * const conv = new Conv1d(2, 3, 3, { padding: 1, seed: 0 });
 * const opt = new SGD(conv.parameters(), { lr: 0.1 });
 * gradcheckModule(conv, [randn([2, 2, 5], { seed: 1, requiresGrad: true })]); // true, or throws
 * console.log(opt.paramGroups[0]!.params[0] === conv.weight);                  // true: still the module's
 * ```
 *
 * @category Checking and debugging
 */
export function gradcheckModule(module: Module, inputs: readonly Tensor[], opts?: GradcheckOptions): true {
  if (!(module instanceof Module)) throw new Error(`gradcheckModule: module must be a Module, got ${describeInput(module)}`);
  if (!Array.isArray(inputs)) throw new Error(`gradcheckModule: inputs must be an array of Tensors, got ${describeInput(inputs)}`);
  inputs.forEach((x, i) => checkTensor('gradcheckModule', x, `input ${i} to be a Tensor`));
  checkOptions('gradcheckModule', opts, ['eps', 'atol', 'rtol']);
  const slots = module._parameterSlots();
  const params: Parameter[] = [];
  for (const { param } of slots) if (param.requiresGrad && !params.includes(param)) params.push(param);
  if (!params.length && !inputs.some((x) => x.requiresGrad)) {
    throw new Error(`gradcheckModule: nothing to check: no input requires grad and ${module.constructor.name} has no parameter that does`);
  }
  const n = inputs.length;
  const fn = (...xs: Tensor[]): Tensor => {
    for (const slot of slots) {
      const i = params.indexOf(slot.param);
      if (i >= 0) (slot.owner as unknown as Record<string, unknown>)[slot.key] = xs[n + i];
    }
    const out: unknown = module.forward(...xs.slice(0, n));
    checkTensor('gradcheckModule', out, `${module.constructor.name}.forward to return a Tensor`);
    return out;
  };
  try {
    return gradcheck(fn, [...inputs, ...params], opts);
  } finally {
    for (const { owner, key, param } of slots) (owner as unknown as Record<string, unknown>)[key] = param;
  }
}
