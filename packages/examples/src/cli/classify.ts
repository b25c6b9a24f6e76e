/**
 * `pnpm --filter @kindling/examples run classify`: rising edge or bump? Trains the small
 * Conv1d -> ReLU -> Flatten -> Linear classifier, saves it as safetensors, reloads the file
 * into a fresh model and predicts.
 */
import { loadSafetensors, saveSafetensors } from '@kindling/nn';
import { loadSafetensorsFile, saveSafetensorsFile } from '@kindling/nn/node';
import { CLASSES, argmax, buildClassifier, inputTensor, pick, trainClassifier } from '../classifier/classify.js';
import { lineChart } from '../terminal/chart.js';
import { sparkline } from '../terminal/sparkline.js';
import { commandName, numberFlag, parseFlags, runCli } from './args.js';
import { style } from '../terminal/style.js';
import { exportOnnxForCli, exportOnnxHelp } from './onnx-export.js';

const HELP = `Usage: ${commandName('kindling-classify', 'pnpm --filter @kindling/examples run classify')} [options]

Classifies noisy 1-D sequences as a rising edge or a bump with
Conv1d(1, 4, 5) -> ReLU -> Flatten -> Linear(80, 2), trained with Adam on
cross-entropy.

Options:
  --epochs N        passes over the training split (default 15)
  --lr X            Adam learning rate (default 0.01)
  --batch-size B    sequences per update (default 32)
  --samples N       sequences in all; a quarter are held out for testing
                    (default 400)
  --noise S         noise standard deviation (default 0.15)
  --seed N          seeds data, shuffling and initial weights (default 1)
  --out FILE        also save the trained weights as safetensors to FILE
                    (without it the save/reload round trip stays in memory)
  --json            machine-readable result
${exportOnnxHelp(20)}
  -h, --help        show this help
`;

function main(argv: string[]): void {
  const f = parseFlags(argv, {
    epochs: { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' }, samples: { type: 'string' },
    noise: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    'export-onnx': { type: 'string' },
  });
  if (f.help) return void process.stdout.write(HELP);
  const seed = numberFlag('seed', f.seed, 1, { integer: true });
  const r = trainClassifier({
    epochs: numberFlag('epochs', f.epochs, 15, { min: 1, max: 100_000, integer: true }),
    lr: numberFlag('lr', f.lr, 0.01, { min: 0, exclusiveMin: true }),
    batchSize: numberFlag('batch-size', f['batch-size'], 32, { min: 1, integer: true }),
    samples: numberFlag('samples', f.samples, 400, { min: 8, max: 1_000_000, integer: true }),
    noise: numberFlag('noise', f.noise, 0.15, { min: 0 }),
    seed,
  });

  // Save the trained weights to a file, load them into a fresh model, predict with it.
  // The round trip a user would do: serialise, load into a fresh model, predict. A file only
  // when asked for: an example should not leave files behind on its own.
  const file = f.out ?? null;
  const fresh = buildClassifier(r.test.length, 4, 5, seed + 1000);
  if (file !== null) {
    saveSafetensorsFile(file, r.model.stateDict());
    fresh.loadStateDict(loadSafetensorsFile(file));
  } else fresh.loadStateDict(loadSafetensors(saveSafetensors(r.model.stateDict())));
  fresh.eval();
  const predicted = argmax(fresh.forward(inputTensor(r.test)));
  const fileAccuracy = predicted.filter((p, i) => p === r.test.labels[i]).length / predicted.length;
  const exported = f['export-onnx'] === undefined ? '' : exportOnnxForCli(f['export-onnx'], r.model, inputTensor(pick(r.test, [0])));

  if (f.json) {
    const { model: _m, weights: _w, test: _t, ...rest } = r;
    return void process.stdout.write(JSON.stringify({ ...rest, file, fileAccuracy, testLabels: r.test.labels }, null, 2) + '\n');
  }
  const log = (s = '') => process.stdout.write(s + '\n');
  const paint = style();
  log(paint.bold('Kindling · rising edge or bump?'));
  log(fresh.toString());
  log();
  log(lineChart([{ label: 'training loss', values: r.history.map((h) => h.loss) }], { title: 'cross-entropy per epoch (log scale)', logY: true, height: 8, width: 40, xLabel: 'epoch' }));
  const last = r.history.at(-1)!;
  log(`train accuracy ${(100 * last.trainAccuracy).toFixed(1)}%   test accuracy ${(100 * r.testAccuracy).toFixed(1)}% on ${r.test.labels.length} held-out sequences`);
  const where = file === null ? 'saved as safetensors (in memory; --out FILE keeps it)' : `saved ${file}`;
  log(`${where}; a fresh model loaded it and scores ${(100 * fileAccuracy).toFixed(1)}% on the test split`);
  if (exported) log(exported);
  log();
  log('a few test sequences, predicted by the reloaded model:');
  const shown = Array.from({ length: Math.min(8, r.test.labels.length) }, (_, i) => i);
  const sample = pick(r.test, shown);
  shown.forEach((i) => {
    const seq = sample.x.subarray(i * sample.length, (i + 1) * sample.length);
    const ok = predicted[i] === r.test.labels[i];
    log(`  ${sparkline(seq)}  ${CLASSES[predicted[i]!]!.padEnd(11)} ${ok ? paint.green('✓') : paint.red(`✗ (it is a ${CLASSES[r.test.labels[i]!]})`)}`);
  });
}

runCli('classify', main);
