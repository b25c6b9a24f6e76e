// The losses' printed form and their late checks. toString() follows Module's documented
// format (class name, then extraRepr() in parentheses): each loss shows its options, and a
// weight (or posWeight) only as a marker, since its values would not fit on the line. Then the
// checks of each loss's arguments, with their whole messages, and the corners of the BCE
// weights' broadcasting and of the class-index targets, with values worked out by hand or taken
// from PyTorch 1.13 (the generating snippet next to each).
import { Tensor, TensorData, grad, tensor, traceOps } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss } from '../src/index.js';

describe('loss toString', () => {
  it('shows the reduction of MSELoss and L1Loss', () => {
    expect(new MSELoss().toString()).toBe("MSELoss(reduction='mean')");
    expect(new MSELoss({ reduction: 'sum' }).toString()).toBe("MSELoss(reduction='sum')");
    expect(new L1Loss().toString()).toBe("L1Loss(reduction='mean')");
    expect(new L1Loss({ reduction: 'none' }).toString()).toBe("L1Loss(reduction='none')");
  });

  it('shows the threshold of HuberLoss and SmoothL1Loss', () => {
    expect(new HuberLoss().toString()).toBe("HuberLoss(reduction='mean', delta=1)");
    expect(new HuberLoss({ delta: 0.25, reduction: 'sum' }).toString()).toBe("HuberLoss(reduction='sum', delta=0.25)");
    expect(new SmoothL1Loss().toString()).toBe("SmoothL1Loss(reduction='mean', beta=1)");
    expect(new SmoothL1Loss({ beta: 0, reduction: 'none' }).toString()).toBe("SmoothL1Loss(reduction='none', beta=0)");
  });

  it('marks a weight and a posWeight of the BCE losses', () => {
    const w = tensor([1, 2]);
    expect(new BCELoss().toString()).toBe("BCELoss(reduction='mean')");
    expect(new BCELoss({ weight: w, reduction: 'sum' }).toString()).toBe("BCELoss(reduction='sum', weight=[...])");
    expect(new BCEWithLogitsLoss().toString()).toBe("BCEWithLogitsLoss(reduction='mean')");
    expect(new BCEWithLogitsLoss({ weight: w }).toString()).toBe("BCEWithLogitsLoss(reduction='mean', weight=[...])");
    expect(new BCEWithLogitsLoss({ posWeight: w }).toString()).toBe("BCEWithLogitsLoss(reduction='mean', posWeight=[...])");
    expect(new BCEWithLogitsLoss({ weight: w, posWeight: w, reduction: 'none' }).toString()).toBe("BCEWithLogitsLoss(reduction='none', weight=[...], posWeight=[...])");
  });

  it('shows ignoreIndex (and labelSmoothing) of the class-index losses', () => {
    const w = tensor([1, 2, 3]);
    expect(new NLLLoss().toString()).toBe("NLLLoss(ignoreIndex=-100, reduction='mean')");
    expect(new NLLLoss({ weight: w, ignoreIndex: 2, reduction: 'sum' }).toString()).toBe("NLLLoss(ignoreIndex=2, reduction='sum', weight=[...])");
    expect(new CrossEntropyLoss().toString()).toBe("CrossEntropyLoss(ignoreIndex=-100, reduction='mean', labelSmoothing=0)");
    expect(new CrossEntropyLoss({ weight: w, ignoreIndex: -1, reduction: 'none', labelSmoothing: 0.1 }).toString())
      .toBe("CrossEntropyLoss(ignoreIndex=-1, reduction='none', labelSmoothing=0.1, weight=[...])");
  });
});

describe('BCE weights replaced after construction', () => {
  const x = tensor([0.25, 0.5]);
  const t = tensor([0, 1]);

  it('a weight property set to something other than a Tensor is refused at forward', () => {
    const bce = new BCELoss();
    (bce as unknown as { weight: unknown }).weight = [1, 2];
    expect(() => bce.forward(x, t)).toThrow(/^BCELoss: weight must be a Tensor, got an array$/);
    const logits = new BCEWithLogitsLoss();
    (logits as unknown as { pos_weight: unknown }).pos_weight = 3;
    expect(() => logits.forward(x, t)).toThrow(/^BCEWithLogitsLoss: posWeight must be a Tensor, got 3$/);
  });

  it('a weight property set to another Tensor is used from then on', () => {
    const bce = new BCELoss({ reduction: 'none' });
    (bce as unknown as { weight: Tensor }).weight = tensor([2, 4]);
    // -w·(t·log x + (1 - t)·log(1 - x)): 2·(-log 0.75), 4·(-log 0.5).
    const l = bce.forward(x, t).toArray() as number[];
    expect(l[0]).toBeCloseTo(-2 * Math.log(0.75), 6);
    expect(l[1]).toBeCloseTo(-4 * Math.log(0.5), 6);
  });
});

const LN2 = Math.LN2;
const f64 = (v: number[] | number[][], requiresGrad = false) => tensor(v, { dtype: 'float64', requiresGrad });
const close = (got: Tensor, want: number[][] | number[], digits = 12) => {
  const g = got.toArray() as number[] | number[][];
  expect(got.shape).toEqual(Array.isArray(want[0]) ? [want.length, (want[0] as number[]).length] : [want.length]);
  (want.flat() as number[]).forEach((w, i) => expect((g.flat() as number[])[i]).toBeCloseTo(w, digits));
};

describe('prediction and target of the elementwise losses', () => {
  it('both must be Tensors, named in the message', () => {
    expect(() => new MSELoss().forward([1, 2] as never, tensor([1, 2]))).toThrow(/^MSELoss: expected the prediction to be a Tensor, got an array$/);
    expect(() => new L1Loss().forward(tensor([1, 2]), null as never)).toThrow(/^L1Loss: expected the target to be a Tensor, got null$/);
  });

  it('their shapes must be equal, not merely broadcastable', () => {
    expect(() => new L1Loss().forward(tensor([1, 2]), tensor([[1], [2]]))).toThrow(/^L1Loss: prediction shape \[2\] and target shape \[2, 1\] must match$/);
    expect(() => new HuberLoss().forward(tensor([[1], [2]]), tensor([1, 2]))).toThrow(/^HuberLoss: prediction shape \[2, 1\] and target shape \[2\] must match$/);
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => new BCEWithLogitsLoss().forward(a, tensor([[1, 2, 3, 4], [5, 6, 7, 8]]))).toThrow(/^BCEWithLogitsLoss: prediction shape \[2, 3\] and target shape \[2, 4\] must match$/);
    expect(() => new SmoothL1Loss().forward(a, tensor([[1, 2, 3]]))).toThrow(/^SmoothL1Loss: prediction shape \[2, 3\] and target shape \[1, 3\] must match$/);
  });
});

describe('BCE weights', () => {
  it('weight and posWeight may be null, which is no weight', () => {
    const x = f64([0.2, 0.9]);
    const t = f64([0, 1]);
    const plain = new BCELoss().forward(x, t).item();
    expect(new BCELoss({ weight: null }).forward(x, t).item()).toBe(plain);
    expect(new BCELoss({ weight: null }).weight).toBeNull();
    const withNulls = new BCEWithLogitsLoss({ weight: null, posWeight: null });
    expect(withNulls.posWeight).toBeNull();
    expect(withNulls.forward(x, t).item()).toBe(new BCEWithLogitsLoss().forward(x, t).item());
  });

  it('a weight that is not a Tensor is refused when the loss is built', () => {
    expect(() => new BCELoss({ weight: [1, 2] as never })).toThrow(/^BCELoss: weight must be a Tensor, got an array$/);
    expect(() => new BCEWithLogitsLoss({ weight: 2 as never })).toThrow(/^BCEWithLogitsLoss: weight must be a Tensor, got 2$/);
    expect(() => new BCEWithLogitsLoss({ posWeight: 'x' as never })).toThrow(/^BCEWithLogitsLoss: posWeight must be a Tensor, got the string "x"$/);
  });

  // At logit 0 every element's loss is log 2 (σ(0) = 1/2 whatever the target), times its
  // weight; the gradient is (σ(0) - t)·w = (1/2 - t)·w.
  const zeros = () => f64([[0, 0, 0], [0, 0, 0]], true);
  const t = f64([[1, 0, 1], [0, 0, 1]]);

  it('a weight broadcasts along leading and inner dims, one per row or one per column', () => {
    const rowsW = new BCEWithLogitsLoss({ weight: f64([[1], [3]]), reduction: 'none' });
    const x = zeros();
    const l = rowsW.forward(x, t);
    close(l, [[LN2, LN2, LN2], [3 * LN2, 3 * LN2, 3 * LN2]]);
    l.sum().backward();
    close(x.grad!, [[-0.5, 0.5, -0.5], [1.5, 1.5, -1.5]]);

    const colsW = new BCEWithLogitsLoss({ weight: f64([[1, 2, 3]]), reduction: 'sum' });
    const x2 = zeros();
    const s = colsW.forward(x2, t);
    expect(s.item()).toBeCloseTo(12 * LN2, 12);
    s.backward();
    close(x2.grad!, [[-0.5, 1, -1.5], [0.5, 1, -1.5]]);

    const scalarW = new BCEWithLogitsLoss({ weight: tensor(2, { dtype: 'float64' }), reduction: 'none' });
    close(scalarW.forward(zeros(), t), [[2 * LN2, 2 * LN2, 2 * LN2], [2 * LN2, 2 * LN2, 2 * LN2]]);
  });

  it('posWeight scales the positive term: p·log 2 where the target is 1, log 2 where it is 0', () => {
    const x = zeros();
    const l = new BCEWithLogitsLoss({ posWeight: f64([2, 3, 4]), reduction: 'none' }).forward(x, t);
    close(l, [[2 * LN2, LN2, 4 * LN2], [LN2, LN2, 4 * LN2]]);
    // d/dx = (p·t + 1 - t)·σ(x) - p·t: -p/2 where t = 1, 1/2 where t = 0.
    l.sum().backward();
    close(x.grad!, [[-1, 0.5, -2], [0.5, 0.5, -2]]);
  });

  it('BCELoss weights broadcast too: w·log 2 at 0.5, gradient w·(x - t)/(x(1 - x))', () => {
    const x = f64([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]], true);
    const l = new BCELoss({ weight: f64([[2], [1]]), reduction: 'none' }).forward(x, t);
    close(l, [[2 * LN2, 2 * LN2, 2 * LN2], [LN2, LN2, LN2]]);
    l.sum().backward();
    close(x.grad!, [[-4, 4, -4], [2, 2, -2]]);
  });

  it('a weight that would grow the input, or does not line up with its trailing dims, is refused', () => {
    const x = f64([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
    const msg = (op: string, name: string, shape: string) => new RegExp(`^${op}: ${name} of shape \\[${shape}\\] does not broadcast to the input's shape \\[2, 3\\]$`);
    expect(() => new BCELoss({ weight: tensor([[[1, 1, 1], [1, 1, 1]]], { dtype: 'float64' }) }).forward(x, x)).toThrow(msg('BCELoss', 'weight', '1, 2, 3'));
    expect(() => new BCELoss({ weight: f64([[1], [1], [1]]) }).forward(x, x)).toThrow(msg('BCELoss', 'weight', '3, 1'));
    expect(() => new BCEWithLogitsLoss({ weight: f64([1, 1]) }).forward(x, x)).toThrow(msg('BCEWithLogitsLoss', 'weight', '2'));
    expect(() => new BCEWithLogitsLoss({ posWeight: f64([[1, 1, 1], [1, 1, 1], [1, 1, 1]]) }).forward(x, x)).toThrow(msg('BCEWithLogitsLoss', 'posWeight', '3, 3'));
  });

  it('float64 weights on a float32 input give float32 losses and gradients', () => {
    for (const loss of [new BCELoss({ weight: f64([1, 2, 3]) }), new BCEWithLogitsLoss({ weight: f64([1, 2, 3]), posWeight: f64([2, 1, 1]) })]) {
      const x = tensor([[0.25, 0.5, 0.75], [0.5, 0.5, 0.5]], { dtype: 'float32', requiresGrad: true });
      const tt = tensor([[0.5, 1, 0], [0, 0.25, 1]], { dtype: 'float32', requiresGrad: true });
      const l = loss.forward(x, tt);
      expect(l.dtype).toBe('float32');
      const [gx, gt] = grad([l], [x, tt]);
      expect(gx!.dtype).toBe('float32');
      expect(gt!.dtype).toBe('float32');
    }
  });
});

describe('class-index targets: arguments and messages', () => {
  const x = f64([[-1, -2, -3, -4], [-0.5, -1.5, -2.5, -3.5], [-2, -1, -3, -0.25]]);

  it('the target must be a Tensor, a number or (nested) arrays of numbers', () => {
    expect(() => new NLLLoss().forward(x, 'a' as never)).toThrow(/^NLLLoss: target must be a Tensor, a number or \(nested\) arrays of class indices, got the string "a"$/);
    expect(() => new CrossEntropyLoss().forward(x, { 0: 1 } as never)).toThrow(/^CrossEntropyLoss: target must be a Tensor, a number or \(nested\) arrays of class indices, got an object$/);
    expect(() => new NLLLoss().forward(x, [[0], [1, 2]])).toThrow(/^NLLLoss: target must be a Tensor or \(nested\) arrays of numbers: .+/);
  });

  it('the input must be a Tensor with a class dimension', () => {
    expect(() => new CrossEntropyLoss().forward([[1, 2]] as never, [0])).toThrow(/^CrossEntropyLoss: input must be a Tensor, got an array$/);
    expect(() => new NLLLoss().forward(tensor(1), 0)).toThrow(/^NLLLoss: input must have a class dimension \(\[C\], \[N, C\] or \[N, C, d1, \.\.\.\]\), got a 0-d tensor$/);
  });

  it('the target must have the input\'s shape without the class dim', () => {
    expect(() => new NLLLoss().forward(x, 1)).toThrow(/^NLLLoss: for an input of shape \[3, 4\] the target must hold class indices of shape \[3\]; got a target of shape \[\]$/);
    const kd = new Tensor(new TensorData(new Float64Array(40), [2, 4, 5]));
    expect(() => new NLLLoss().forward(kd, [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])).toThrow(/^NLLLoss: for an input of shape \[2, 4, 5\] the target must hold class indices of shape \[2, 5\]; got a target of shape \[2, 6\]$/);
    expect(() => new CrossEntropyLoss().forward(kd, [[0, 0, 0, 0], [0, 0, 0, 0]])).toThrow(/^CrossEntropyLoss: for an input of shape \[2, 4, 5\] the target must hold class indices of shape \[2, 5\], or class probabilities of the input's shape \[2, 4, 5\]; got a target of shape \[2, 4\]$/);
  });

  it('a bad target is named by its position in a K-d target', () => {
    const kd = new Tensor(new TensorData(new Float64Array(24), [2, 3, 2, 2]));
    const target = [[[0, 1], [2, 2]], [[1, 3], [0, 0]]]; // 3 at [1, 0, 1]: flat 5
    expect(() => new NLLLoss().forward(kd, target)).toThrow(/^NLLLoss: target 3 at position \[1, 0, 1\] is out of range for 3 classes \(valid: 0 to 2, or ignoreIndex -100\)$/);
    const frac = [[[0, 1], [2, 2]], [[1, 1], [0.5, 0]]]; // 0.5 at [1, 1, 0]: flat 6
    expect(() => new CrossEntropyLoss({ ignoreIndex: 7 }).forward(kd, frac)).toThrow(/^CrossEntropyLoss: target 0\.5 at position \[1, 1, 0\] is not an integer \(class indices are integers, given as numbers or in a float tensor\)$/);
  });

  it('weight: null is no weight; anything but a 1-d Tensor is refused', () => {
    const target = [0, 3, 1];
    expect(new NLLLoss({ weight: null }).forward(x, target).item()).toBe(new NLLLoss().forward(x, target).item());
    expect(new CrossEntropyLoss({ weight: null }).weight).toBeNull();
    expect(() => new NLLLoss({ weight: [1, 2] as never })).toThrow(/^NLLLoss: weight must be a 1-d Tensor of per-class weights, got an array$/);
    expect(() => new CrossEntropyLoss({ weight: tensor([[1, 2]]) })).toThrow(/^CrossEntropyLoss: weight must be a 1-d Tensor of per-class weights, got shape \[1, 2\]$/);
  });

  it('a weight property replaced after construction is checked against the classes at forward', () => {
    const target = [0, 3, 1];
    const ce = new CrossEntropyLoss();
    const set = (w: unknown) => ((ce as unknown as { weight: unknown }).weight = w);
    set([1, 2, 3, 4]);
    expect(() => ce.forward(x, target)).toThrow(/^CrossEntropyLoss: weight must be a 1-d Tensor with one entry per class \(4\), got an array$/);
    set({ ndim: 1, shape: [4] }); // shaped like one, but no Tensor
    expect(() => ce.forward(x, target)).toThrow(/^CrossEntropyLoss: weight must be a 1-d Tensor with one entry per class \(4\), got an object$/);
    set(f64([[1], [2], [3], [4]]));
    expect(() => ce.forward(x, target)).toThrow(/^CrossEntropyLoss: weight must be a 1-d Tensor with one entry per class \(4\), got a Tensor of shape \[4, 1\]$/);
    set(f64([1, 2, 3]));
    expect(() => ce.forward(x, x.softmax(1))).toThrow(/^CrossEntropyLoss: weight must be a 1-d Tensor with one entry per class \(4\), got a Tensor of shape \[3\]$/);
    // A fitting one is used: -Σ w[t]·x[t] / Σ w[t], with w[t] = 2, 1, 2 for targets 0, 3, 1.
    const nll = new NLLLoss();
    (nll as unknown as { weight: unknown }).weight = f64([2, 2, 4, 1]);
    expect(nll.forward(x, target).item()).toBeCloseTo((2 * 1 + 1 * 3.5 + 2 * 1) / (2 + 1 + 2), 14);
  });

  it('ignoreIndex must be a safe integer', () => {
    expect(() => new NLLLoss({ ignoreIndex: '1' as never })).toThrow(/^NLLLoss: ignoreIndex must be an integer, got the string "1"$/);
    expect(() => new CrossEntropyLoss({ ignoreIndex: 2 ** 53 })).toThrow(/^CrossEntropyLoss: ignoreIndex must be an integer, got 9007199254740992$/);
    expect(() => new CrossEntropyLoss({ ignoreIndex: -0.5 })).toThrow(/^CrossEntropyLoss: ignoreIndex must be an integer, got -0\.5$/);
  });
});

describe('CrossEntropyLoss corners', () => {
  const logits = () => f64([[2, 0, -1], [0.5, 0.5, 3]], true);

  it('labelSmoothing must be a number in [0, 1]; both ends are allowed', () => {
    expect(() => new CrossEntropyLoss({ labelSmoothing: '0.5' as never })).toThrow(/^CrossEntropyLoss: labelSmoothing must be a number between 0\.0 and 1\.0, got the string "0\.5"$/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: 1.0000001 })).toThrow(/^CrossEntropyLoss: labelSmoothing must be a number between 0\.0 and 1\.0, got 1\.0000001$/);
    expect(() => new CrossEntropyLoss({ labelSmoothing: -1e-9 })).toThrow(/^CrossEntropyLoss: labelSmoothing must be a number between 0\.0 and 1\.0, got -1e-9$/);
    expect(new CrossEntropyLoss({ labelSmoothing: 0 }).forward(logits(), [0, 2]).item()).toBe(new CrossEntropyLoss().forward(logits(), [0, 2]).item());
  });

  it('labelSmoothing 1: the uniform target alone', () => {
    // x = torch.tensor([[2., 0, -1], [0.5, 0.5, 3]], dtype=torch.float64, requires_grad=True)
    // l = F.cross_entropy(x, torch.tensor([0, 2]), label_smoothing=1.0); l.backward()
    const x = logits();
    const l = new CrossEntropyLoss({ labelSmoothing: 1 }).forward(x, [0, 2]);
    expect(l.item()).toBeCloseTo(1.827593868640377, 13);
    l.backward();
    close(x.grad!, [[0.2552307005740031, -0.10956906697436941, -0.14566163359963363], [-0.13141193633606413, -0.13141193633606413, 0.26282387267212826]], 14);
  });

  it('a masked (-Infinity) logit leaves the loss and gradient finite', () => {
    // x = torch.tensor([[0., -inf, 1], [2, 0, -inf]], dtype=torch.float64, requires_grad=True)
    // l = F.cross_entropy(x, torch.tensor([0, 1])); l.backward()
    const x = f64([[0, -Infinity, 1], [2, 0, -Infinity]], true);
    const l = new CrossEntropyLoss().forward(x, [0, 1]);
    expect(l.item()).toBeCloseTo(1.7200948492805979, 13);
    l.backward();
    close(x.grad!, [[-0.36552928931500245, 0, 0.36552928931500245], [0.44039853898894116, -0.4403985389889412, 0]], 14);
  });

  it('probability targets on an empty input: mean NaN, sum 0, none empty (also with no classes)', () => {
    // F.cross_entropy(torch.zeros(0, 3), torch.zeros(0, 3)) -> nan (sum: -0., none: []);
    // with torch.zeros(2, 0) for both: nan, -0., [-0., -0.].
    const empty = new Tensor(new TensorData(new Float64Array(0), [0, 3]));
    const noClasses = new Tensor(new TensorData(new Float64Array(0), [2, 0]));
    expect(new CrossEntropyLoss().forward(empty, empty).item()).toBeNaN();
    expect(new CrossEntropyLoss().forward(noClasses, noClasses).item()).toBeNaN();
    expect(new CrossEntropyLoss({ reduction: 'sum' }).forward(empty, empty).item()).toBe(-0);
    expect(new CrossEntropyLoss({ reduction: 'none' }).forward(empty, empty).shape).toEqual([0]);
    expect(new CrossEntropyLoss({ reduction: 'none' }).forward(noClasses, noClasses).toArray()).toEqual([-0, -0]);
  });

  it('a float target of the input\'s rank but another shape is read as class indices, and refused', () => {
    const x = f64([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    const t = new Tensor(new TensorData(new Float64Array(15), [3, 5]));
    expect(() => new CrossEntropyLoss().forward(x, t)).toThrow(/^CrossEntropyLoss: for an input of shape \[3, 4\] the target must hold class indices of shape \[3\], or class probabilities of the input's shape \[3, 4\]; got a target of shape \[3, 5\]$/);
  });

  it('probability targets are used as given without label smoothing: no mixing ops', () => {
    const opsOf = (labelSmoothing: number) => {
      const x = f64([[1, 2, 3], [0, -1, 0.5]]);
      const t = f64([[0.2, 0.3, 0.5], [1, 0, 0]]);
      let n = 0;
      const l = traceOps(() => new CrossEntropyLoss({ labelSmoothing }).forward(x, t), () => n++);
      return { n, value: l.item() };
    };
    const plain = opsOf(0);
    const smoothed = opsOf(0.1);
    expect(plain.n).toBeLessThan(smoothed.n);
    // -Σ t·logSoftmax(x) per row, by hand: logsumexp([1, 2, 3]) and logsumexp([0, -1, 0.5]).
    const lse1 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const lse2 = Math.log(1 + Math.exp(-1) + Math.exp(0.5));
    expect(plain.value).toBeCloseTo(((lse1 - (0.2 * 1 + 0.3 * 2 + 0.5 * 3)) + (lse2 - 0)) / 2, 13);
  });

  it('an unbatched input with probability targets and class weights', () => {
    // x = torch.tensor([1., -0.5, 2], dtype=torch.float64, requires_grad=True)
    // l = F.cross_entropy(x, torch.tensor([0.2, 0.3, 0.5], dtype=torch.float64),
    //                     weight=torch.tensor([1., 2, 3], dtype=torch.float64)); l.backward()
    const x = f64([1, -0.5, 2], true);
    const l = new CrossEntropyLoss({ weight: f64([1, 2, 3]) }).forward(x, f64([0.2, 0.3, 0.5]));
    expect(l.shape).toEqual([]);
    expect(l.item()).toBeCloseTo(2.5545397732611708, 13);
    l.backward();
    close(x.grad!, [0.383547217760558, -0.469793015846916, 0.08624579808635814], 14);
  });
});

describe('backward does no work for an argument that needs no gradient', () => {
  // Context.needsGrad: "backward rules skip the work for the others". Counted as the primitive
  // ops the backward pass applies (traceOps), with one or both arguments requiring grad.
  type Make = () => { forward(a: Tensor, b: Tensor): Tensor };
  const backwardOps = (make: Make, xs: number[][], ts: number[][], xGrad: boolean, tGrad: boolean) => {
    const x = f64(xs, xGrad);
    const t = f64(ts, tGrad);
    const l = make().forward(x, t);
    let n = 0;
    traceOps(() => l.backward(), () => n++);
    if (xGrad) expect(x.grad).not.toBeNull();
    if (tGrad) expect(t.grad).not.toBeNull();
    return n;
  };
  const cases: [string, Make, number[][], number[][]][] = [
    ['BCELoss', () => new BCELoss({ weight: f64([1, 2]) }), [[0.25, 0.5], [0.75, 0.5]], [[0, 1], [0.5, 1]]],
    ['BCEWithLogitsLoss', () => new BCEWithLogitsLoss(), [[0.25, -1], [2, 0]], [[0, 1], [0.5, 1]]],
    ['BCEWithLogitsLoss with posWeight', () => new BCEWithLogitsLoss({ posWeight: f64([2, 3]), weight: f64([1, 2]) }), [[0.25, -1], [2, 0]], [[0, 1], [0.5, 1]]],
  ];

  it.each(cases)('%s: fewer ops with only the input or only the target requiring grad than with both', (_name, make, xs, ts) => {
    const both = backwardOps(make, xs, ts, true, true);
    expect(backwardOps(make, xs, ts, true, false)).toBeLessThan(both);
    expect(backwardOps(make, xs, ts, false, true)).toBeLessThan(both);
  });

  it('HuberLoss and SmoothL1Loss: fewer ops when the target needs no gradient', () => {
    for (const make of [() => new HuberLoss(), () => new SmoothL1Loss({ beta: 0.5 })]) {
      const xs = [[0.25, -1], [2, 0]];
      const ts = [[0, 1], [0.5, 1]];
      expect(backwardOps(make, xs, ts, true, false)).toBeLessThan(backwardOps(make, xs, ts, true, true));
    }
  });
});

describe('HuberLoss and SmoothL1Loss at the threshold', () => {
  it('|x - t| = beta takes the linear branch, as PyTorch (the quadratic one rounds differently there)', () => {
    // F.smooth_l1_loss(torch.tensor([0.1], dtype=torch.float64), torch.tensor([0.], dtype=torch.float64),
    //                  reduction='none', beta=0.1).item() == 0.05 (0.5·0.1²/0.1 would be 0.05000000000000001)
    expect(new SmoothL1Loss({ beta: 0.1, reduction: 'none' }).forward(f64([0.1]), f64([0])).item()).toBe(0.05);
    expect(new SmoothL1Loss({ beta: 0.1, reduction: 'none' }).forward(f64([-0.1]), f64([0])).item()).toBe(0.05);
    // Huber's two branches agree there: 0.5·0.3² = 0.3·(0.3 - 0.15) = 0.045.
    expect(new HuberLoss({ delta: 0.3, reduction: 'none' }).forward(f64([0.3]), f64([0])).item()).toBe(0.045);
  });
});

describe('float32 losses round as PyTorch\'s float32 kernels do, to the last bit', () => {
  // Each value is torch 1.13's float32 result for the same inputs (scripted below, in Python):
  //   f = torch.float32
  //   def seq(n, a, b, lo, hi): return [lo + (hi - lo) * (((i * a + b) % 97) / 97) for i in range(n)]
  //   N, C = 40, 3; tgt = torch.tensor([(i * 7) % C for i in range(N)]); w = torch.tensor([0.1, 0.7, 0.3], dtype=f)
  //   logits = torch.tensor(seq(N*C, 41, 3, -4, 4), dtype=f).reshape(N, C)
  //   t = torch.tensor(seq(24, 13, 2, 0, 1), dtype=f).reshape(8, 3)
  //   z = torch.tensor(seq(24, 31, 7, -6, 6), dtype=f).reshape(8, 3); pw = torch.tensor([1.3, 0.6, 2.2], dtype=f)
  //   a = torch.tensor(seq(24, 23, 1, -3, 3), dtype=f); b = torch.tensor(seq(24, 17, 4, -3, 3), dtype=f)
  //   F.cross_entropy(logits, tgt, weight=w, label_smoothing=0.1, reduction='mean' | 'sum')
  //   F.binary_cross_entropy_with_logits(z, t, weight=w, pos_weight=pw, reduction='none'), and without weights
  //   F.huber_loss(a, b, delta=0.7, reduction='none'); F.smooth_l1_loss(a, b, beta=0.7, reduction='none')
  // (Their float32 sums, and BCELoss's float32 logs, can differ from torch's in the last bit:
  // torch sums float32 in float32, Kindling in float64; those are not compared here.)
  const seq = (n: number, a: number, b: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + (hi - lo) * (((i * a + b) % 97) / 97));
  const f32 = (v: number[], shape: number[]) => new Tensor(new TensorData(Float32Array.from(v), shape));
  const w = () => f32([0.1, 0.7, 0.3], [3]);
  const N = 40;
  const C = 3;
  const tgt = Array.from({ length: N }, (_, i) => (i * 7) % C);
  const values = (t: Tensor) => Array.from(t.dataSync());

  // NLLLoss on float32: each term -w[t]·x[t] is rounded to float32 before it is added, and so
  // are the weights and their total, as PyTorch's float kernel computes them in float.
  it('NLLLoss rounds each weighted term to float32 (ties to even) before summing', () => {
    // (1 + 2^-12)² = 1 + 2^-11 + 2^-24 lies halfway between two float32s: it rounds to 1 + 2^-11,
    // so three terms sum to 3 + 3·2^-11 (unrounded they would round to 3 + 3·2^-11 + 2^-22).
    // torch: F.nll_loss(torch.tensor([[-(1 + 2**-12), 0.]] * 3), torch.tensor([0, 0, 0]),
    //                   weight=torch.tensor([1 + 2**-12, 1.]), reduction='sum').item() == 3.00146484375
    const x = f32([-(1 + 2 ** -12), 0, -(1 + 2 ** -12), 0, -(1 + 2 ** -12), 0], [3, 2]);
    expect(new NLLLoss({ weight: f32([1 + 2 ** -12, 1], [2]), reduction: 'sum' }).forward(x, [0, 0, 0]).item()).toBe(3 + 3 * 2 ** -11);
  });

  it('NLLLoss takes float64 weights at float32 precision for a float32 input', () => {
    // torch (the weight must be float32 there): F.nll_loss(torch.tensor([[-1.5714285373687744, 0.]]),
    //   torch.tensor([0]), weight=torch.tensor([0.7, 1.]), reduction='sum').item() == 1.0999999046325684
    // (with the float64 0.7 the product would round to 1.100000023841858).
    const x = f32([-1.5714285373687744, 0], [1, 2]);
    expect(new NLLLoss({ weight: tensor([0.7, 1], { dtype: 'float64' }), reduction: 'sum' }).forward(x, [0]).item()).toBe(1.0999999046325684);
  });

  it('BCEWithLogitsLoss takes float64 weights at float32 precision for a float32 input', () => {
    // torch: F.binary_cross_entropy_with_logits(torch.zeros(1), torch.zeros(1), weight=torch.tensor([0.707]),
    //                                           reduction='none').item() == 0.4900550842285156
    // (float32 log 2 times the float64 0.707 would round to 0.49005505442619324).
    const l = new BCEWithLogitsLoss({ weight: tensor([0.707], { dtype: 'float64' }), reduction: 'none' }).forward(f32([0], [1]), f32([0], [1]));
    expect(l.item()).toBe(0.4900550842285156);
  });

  it('CrossEntropyLoss divides the smoothing term by the float32 total of the weights', () => {
    // torch: F.cross_entropy(torch.tensor([[0., 0.], [0., 1.]]), torch.tensor([0, 1]),
    //                        weight=torch.tensor([2.**24, 1.]), label_smoothing=eps).item()
    //   == 0.8481758236885071 (eps = 0.5), 0.786164402961731 (eps = 0.3)
    const x = f32([0, 0, 0, 1], [2, 2]);
    const weight = f32([2 ** 24, 1], [2]);
    expect(new CrossEntropyLoss({ weight, labelSmoothing: 0.5 }).forward(x, [0, 1]).item()).toBe(0.8481758236885071);
    expect(new CrossEntropyLoss({ weight, labelSmoothing: 0.3 }).forward(x, [0, 1]).item()).toBe(0.786164402961731);
  });

  it('BCELoss sums float32 element losses: float32(log 2) each at 0.5', () => {
    // 13·float32(log 2) = 13·0.6931471824645996 rounds to 9.010913848876953 (13·log 2 would
    // round to 9.010912895202637). torch: F.binary_cross_entropy(torch.full((13,), 0.5),
    //                                           torch.ones(13), reduction='sum').item() == 9.010913848876953
    expect(new BCELoss({ reduction: 'sum' }).forward(f32(new Array(13).fill(0.5), [13]), f32(new Array(13).fill(1), [13])).item()).toBe(9.010913848876953);
  });

  it('NLLLoss divides the mean by the float32 total of the weights', () => {
    // Σ w[t] = 2^24 + 1 is 2^24 in float32; (2^24 + 3) / 2^24 rounds to 1 + 2^-22.
    // torch: F.nll_loss(torch.tensor([[-1., 0.], [0., -3.]]), torch.tensor([0, 1]),
    //                   weight=torch.tensor([2.**24, 1.])).item() == 1.000000238418579
    const x = f32([-1, 0, 0, -3], [2, 2]);
    expect(new NLLLoss({ weight: f32([2 ** 24, 1], [2]) }).forward(x, [0, 1]).item()).toBe(1 + 2 ** -22);
  });

  it('CrossEntropyLoss with class weights and label smoothing', () => {
    const logits = f32(seq(N * C, 41, 3, -4, 4), [N, C]);
    expect(new CrossEntropyLoss({ weight: w(), labelSmoothing: 0.1 }).forward(logits, tgt).item()).toBe(2.786607503890991);
    expect(new CrossEntropyLoss({ weight: w(), labelSmoothing: 0.1, reduction: 'sum' }).forward(logits, tgt).item()).toBe(40.12714767456055);
  });

  it('BCEWithLogitsLoss with weights and posWeight, and without', () => {
    const t = f32(seq(24, 13, 2, 0, 1), [8, 3]);
    const z = f32(seq(24, 31, 7, -6, 6), [8, 3]);
    expect(values(new BCEWithLogitsLoss({ weight: w(), posWeight: f32([1.3, 0.6, 2.2], [3]), reduction: 'none' }).forward(z, t))).toEqual([0.01435246504843235, 0.24278150498867035, 0.5719828605651855, 0.3097015619277954, 0.5031371116638184, 0.2563849091529846, 0.10333595424890518, 0.9632790684700012, 0.4852566123008728, 0.41658124327659607, 0.45775970816612244, 0.3026377558708191, 0.18225200474262238, 1.0684194564819336, 0.2994138300418854, 0.42683425545692444, 0.27625447511672974, 0.28314346075057983, 0.22322988510131836, 1.023939609527588, 0.47646981477737427, 0.06021342799067497, 1.9421894550323486, 0.17545302212238312]);
    expect(values(new BCEWithLogitsLoss({ reduction: 'none' }).forward(z, t))).toEqual([0.11173152178525925, 0.44210076332092285, 1.8802151679992676, 2.3827972412109375, 1.1524755954742432, 0.7534111738204956, 1.0326664447784424, 2.2908661365509033, 1.5960211753845215, 4.165500164031982, 1.0643432140350342, 0.8308513760566711, 1.8211015462875366, 2.5380072593688965, 0.5104378461837769, 4.268228054046631, 0.6451013684272766, 0.7060602903366089, 2.2296876907348633, 2.4339351654052734, 0.8034456968307495, 0.5939269065856934, 4.624084949493408, 0.4288405776023865]);
  });

  it('HuberLoss and SmoothL1Loss', () => {
    const a = f32(seq(24, 23, 1, -3, 3), [24]);
    const b = f32(seq(24, 17, 4, -3, 3), [24]);
    expect(values(new HuberLoss({ delta: 0.7, reduction: 'none' }).forward(a, b))).toEqual([0.01721758209168911, 0.01721755973994732, 0.15495800971984863, 0.4044845402240753, 0.6642782688140869, 2.7859277725219727, 1.1838659048080444, 1.4436599016189575, 1.7034536600112915, 1.7467526197433472, 1.4869588613510132, 1.2271649837493896, 2.742628812789917, 0.7075773477554321, 0.44778352975845337, 0.1913062185049057, 0.030608994886279106, 0.0076522487215697765, 0.12243597954511642, 0.36118558049201965, 0.6209794282913208, 0.8807732462882996, 2.5694329738616943, 1.4003609418869019]);
    expect(values(new SmoothL1Loss({ beta: 0.7, reduction: 'none' }).forward(a, b))).toEqual([0.024596545845270157, 0.02459651418030262, 0.22136859595775604, 0.5778350830078125, 0.9489690065383911, 3.9798970222473145, 1.6912370920181274, 2.062371253967285, 2.4335052967071533, 2.495360851287842, 2.1242270469665527, 1.753092885017395, 3.918041229248047, 1.0108247995376587, 0.6396907567977905, 0.273294597864151, 0.04372713714838028, 0.01093178428709507, 0.17490854859352112, 0.5159794092178345, 0.8871134519577026, 1.2582474946975708, 3.6706185340881348, 2.0005156993865967]);
  });
});
