// A StrykerJS reporter plugin (named 'survivors' in stryker.config.mjs): appends every mutant
// that survives, or that no test reaches, to reports/mutation/<package>-survivors.txt the moment
// it is tested, so work on the missing tests can start while a run that takes hours goes on.
// One line per mutant: `<file>:<line>:<column> <Survived|NoCoverage> <mutator> :: <replacement>`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const out = process.env.KINDLING_MUTATION_SURVIVORS ?? `reports/mutation/${process.env.KINDLING_MUTATION_REPORT ?? process.env.KINDLING_MUTATION_PACKAGE ?? 'core'}-survivors.txt`;

class SurvivorsReporter {
  static inject = [];

  onMutantTested(result) {
    if (result.status !== 'Survived' && result.status !== 'NoCoverage') return;
    const { line, column } = result.location.start;
    mkdirSync(dirname(out), { recursive: true });
    appendFileSync(out, `${result.fileName}:${line}:${column + 1} ${result.status} ${result.mutatorName} :: ${JSON.stringify(result.replacement ?? '').slice(0, 160)}\n`);
  }
}

export const strykerPlugins = [{ kind: 'Reporter', name: 'survivors', injectableClass: SurvivorsReporter }];
