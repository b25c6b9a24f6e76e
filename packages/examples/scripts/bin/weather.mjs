#!/usr/bin/env node
// `kindling-weather`: the built command line (dist/cli/weather.js) for an installed @kindling/examples.
import '../../dist/cli/weather.js';
