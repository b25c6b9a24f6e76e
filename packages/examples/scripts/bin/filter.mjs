#!/usr/bin/env node
// `kindling-filter`: the built command line (dist/cli/filter.js) for an installed @kindling/examples.
import '../../dist/cli/filter.js';
