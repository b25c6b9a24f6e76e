#!/usr/bin/env node
// `kindling-blog`: the built command line (dist/cli/blog.js) for an installed @kindling/examples.
import '../../dist/cli/blog.js';
