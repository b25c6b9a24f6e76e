#!/usr/bin/env node
// `kindling-classify`: the built command line (dist/cli/classify.js) for an installed @kindling/examples.
import '../../dist/cli/classify.js';
