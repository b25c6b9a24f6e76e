/** Whether ops record the graph. Off inside noGrad and while a backward pass runs. */
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs fn without recording a graph (like `with torch.no_grad()`), and returns its result. */
export function noGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
