// The weather model against its PyTorch twin (scripts/torch-fixtures/weather_twin.py): the same
// initial weights (torch's, from the fixture), the same 20 unshuffled batches (each side builds
// them from the committed CSV with its own code), the same dropout masks (committed, see below),
// float64, AdamW — the 20 losses and the final weights and BatchNorm statistics must agree to 1e-10.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, tensor } from '@kindling/core';
import { AdamW, DataLoader, Dropout, TensorDataset } from '@kindling/nn';
import { describe, expect, it } from 'vitest';
import { seattleWeather } from '../src/weather/data.js';
import { timeSplit } from '../src/weather/features.js';
import { WeatherLoss, WeatherNet, classWeights, weatherInputs, weatherTargets } from '../src/weather/model.js';

interface JsonTensor { shape: number[]; data: number[] }
interface TwinCase {
  window: number; batchSize: number; steps: number; hidden: number; dropout: number; lr: number; weightDecay: number; huberDelta: number;
  trainExamples: number;
  normalizer: { mean: number[]; std: number[]; count: number };
  classWeights: number[];
  batches: { labels: number[]; xSum: number; xAbsSum: number; tempChangeSum: number }[];
  initial: Record<string, JsonTensor>;
  masks: string[][];
  losses: { total: number; crossEntropy: number; huber: number }[];
  final: Record<string, JsonTensor>;
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures', 'torch', 'weather_twin.json'), 'utf8'));
const c: TwinCase = fixture.cases[0];

const fromJson = (t: JsonTensor) => tensor(Float64Array.from(t.data), { shape: t.shape });

/**
 * Kindling's Dropout with its mask taken from the fixture instead of its generator: the two
 * libraries' random streams differ, so the twin commits torch's masks and both sides multiply by
 * mask / (1 − p), which is what torch.nn.Dropout and Kindling's Dropout compute for a given mask.
 */
class CommittedMaskDropout extends Dropout {
  step = 0;
  override forward(x: Tensor): Tensor {
    if (!this.training) return x;
    const rows = c.masks[this.step++]!;
    const scale = 1 / (1 - this.p);
    const noise = Float64Array.from(rows.join(''), (ch) => (ch === '1' ? scale : 0));
    expect(x.shape).toEqual([rows.length, rows[0]!.length]);
    return x.mul(tensor(noise, { shape: x.shape.slice() }));
  }
}

describe('the weather model and its PyTorch twin', () => {
  const split = timeSplit(seattleWeather(), { window: c.window });

  it('the two pipelines build the same training set: statistics, class weights and batches', () => {
    expect(split.train.n).toBe(c.trainExamples);
    expect(split.normalizer.count).toBe(c.normalizer.count);
    split.normalizer.mean.forEach((m, j) => expect(Math.abs(m - c.normalizer.mean[j]!)).toBeLessThan(1e-12));
    split.normalizer.std.forEach((s, j) => expect(Math.abs(s - c.normalizer.std[j]!)).toBeLessThan(1e-12));
    classWeights(split.trainDays).forEach((w, k) => expect(Math.abs(w - c.classWeights[k]!)).toBeLessThan(1e-14));
  });

  it('20 AdamW steps give torch\'s losses and final state to 1e-10', () => {
    const targets = weatherTargets(split.train, split.normalizer);
    // The example's own loader, unshuffled: batch k holds training examples 32k .. 32k + 31.
    const loader = new DataLoader(new TensorDataset(weatherInputs(split.train), targets.labels, targets.tempChange), { batchSize: c.batchSize });

    const model = new WeatherNet({ hidden: c.hidden, dropout: c.dropout });
    model.loadStateDict(Object.fromEntries(Object.entries(c.initial).map(([k, v]) => [k, fromJson(v)])));
    const masked = new CommittedMaskDropout(model.dropout.p);
    model.dropout = masked;
    model.train();
    const loss = new WeatherLoss(classWeights(split.trainDays), c.huberDelta);
    const opt = new AdamW(model.parameters(), { lr: c.lr, weightDecay: c.weightDecay });

    let step = 0;
    let worst = 0;
    for (const [x, labels, tempChange] of loader) {
      if (step === c.steps) break;
      const b = c.batches[step]!;
      // the batch itself first, so that a data mismatch is not reported as a model mismatch
      expect(labels!.toArray()).toEqual(b.labels);
      expect(Math.abs(x!.sum().item() - b.xSum)).toBeLessThan(1e-9);
      expect(Math.abs(x!.abs().sum().item() - b.xAbsSum)).toBeLessThan(1e-9);
      expect(Math.abs(tempChange!.sum().item() - b.tempChangeSum)).toBeLessThan(1e-10);

      opt.zeroGrad();
      const parts = loss.parts(model.forward(x!), labels!, tempChange!);
      parts.total.backward();
      opt.step();
      const want = c.losses[step]!;
      for (const [got, exp] of [[parts.total.item(), want.total], [parts.crossEntropy.item(), want.crossEntropy], [parts.huber.item(), want.huber]] as const) {
        worst = Math.max(worst, Math.abs(got - exp));
        expect(Math.abs(got - exp), `step ${step}`).toBeLessThan(1e-10);
      }
      step++;
    }
    expect(step).toBe(20);
    expect(masked.step).toBe(20);

    const sd = model.stateDict();
    expect(Object.keys(sd).sort()).toEqual(Object.keys(c.final).sort());
    let worstParam = 0;
    for (const [name, want] of Object.entries(c.final)) {
      const got = sd[name]!;
      expect(got.shape, name).toEqual(want.shape);
      const g = got.dataSync();
      want.data.forEach((w, i) => (worstParam = Math.max(worstParam, Math.abs(g[i]! - w))));
    }
    expect(worstParam).toBeLessThan(1e-10);
    // The weights moved: 20 steps at lr 3e-3 are not a no-op that would match trivially.
    const moved = Math.max(...c.final['head.weight']!.data.map((w, i) => Math.abs(w - c.initial['head.weight']!.data[i]!)));
    expect(moved).toBeGreaterThan(1e-3);
    expect(sd['features.1.num_batches_tracked']!.item()).toBe(20);
    console.log(`weather twin: largest loss difference ${worst.toExponential(2)}, largest parameter/statistic difference ${worstParam.toExponential(2)}`);
  });
});
