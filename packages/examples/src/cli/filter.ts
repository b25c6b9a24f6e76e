/** `pnpm --filter @kindling/examples run filter`: recover a hidden 1-D filter from noisy data. */
import { Conv1d } from '@kindling/nn';
import { randn } from '@kindling/core';
import { learnFilter } from '../filter/learn-filter.js';
import { lineChart } from '../terminal/chart.js';
import { commandName, fmtList, fmtSig, numberFlag, parseFlags, runCli } from './args.js';
import { style } from '../terminal/style.js';
import { exportOnnxForCli, exportOnnxHelp } from './onnx-export.js';

const HELP = `Usage: ${commandName('kindling-filter', 'pnpm --filter @kindling/examples run filter')} [options]

Random signals x are filtered by a hidden 5-tap kernel plus a bias, with
Gaussian noise added; a Kindling Conv1d(1, 1, 5) trained with mini-batch SGD
recovers the kernel.

Options:
  --epochs N        passes over the data (default 10)
  --lr X            SGD learning rate (default 0.02; momentum 0.5)
  --batch-size B    signals per update (default 16)
  --samples N       number of signals (default 256)
  --noise S         noise standard deviation (default 0.05)
  --seed N          seeds the data, the shuffling and the initial weights
                    (default 7)
  --json            machine-readable result
${exportOnnxHelp(20)}
  -h, --help        show this help
`;

function main(argv: string[]): void {
  const f = parseFlags(argv, {
    epochs: { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' }, samples: { type: 'string' },
    noise: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    'export-onnx': { type: 'string' },
  });
  if (f.help) return void process.stdout.write(HELP);
  const noise = numberFlag('noise', f.noise, 0.05, { min: 0 });
  const r = learnFilter({
    epochs: numberFlag('epochs', f.epochs, 10, { min: 1, max: 100_000, integer: true }),
    lr: numberFlag('lr', f.lr, 0.02, { min: 0, exclusiveMin: true }),
    batchSize: numberFlag('batch-size', f['batch-size'], 16, { min: 1, integer: true }),
    samples: numberFlag('samples', f.samples, 256, { min: 1, max: 1_000_000, integer: true }),
    noise,
    seed: numberFlag('seed', f.seed, 7, { integer: true }),
  });
  // The learned filter as a model of its own (learnFilter returns its numbers), for --export-onnx.
  let exported = '';
  if (f['export-onnx'] !== undefined) {
    const model = new Conv1d(1, 1, r.learnedKernel.length);
    model.loadStateDict({ weight: [[r.learnedKernel]], bias: [r.learnedBias] });
    exported = exportOnnxForCli(f['export-onnx'], model, randn([1, 1, 32], { seed: 0 }));
  }
  if (f.json) return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  const log = (s = '') => process.stdout.write(s + '\n');
  const paint = style();
  log(paint.bold('Kindling · learn an unknown filter: y = conv1d(x, hidden kernel) + bias + noise'));
  log();
  log(lineChart([{ label: 'mean training loss', values: r.history.map((h) => h.loss) }], { title: 'loss per epoch (log scale)', logY: true, height: 8, width: 40, xLabel: 'epoch' }));
  log(`noise floor (noise²)  ${fmtSig(noise * noise)}   final training loss ${fmtSig(r.history.at(-1)!.loss)}`);
  log();
  log(`          ${'kernel'.padEnd(r.trueKernel.length * 9 + 1)}  bias`);
  log(`true      ${fmtList(r.trueKernel)}   ${r.trueBias.toFixed(4)}`);
  log(`learned   ${fmtList(r.learnedKernel)}   ${r.learnedBias.toFixed(4)}`);
  log(`largest error ${r.maxError.toExponential(2)}${r.maxError < 0.02 ? `  ${paint.green('✓')} recovered` : '  (train longer or with less noise)'}`);
  if (exported) log(exported);
}

runCli('filter', main);
