import { registerConvOps } from './conv.js';
import { registerElementwise } from './elementwise.js';
import { registerShapeOps } from './shape.js';

let done = false;

/** Registers every built-in exporter, once (the package entry calls it on import). */
export function registerBuiltinOps(): void {
  if (done) return;
  done = true;
  registerElementwise();
  registerShapeOps();
  registerConvOps();
}
