'use strict';
const t0 = process.uptime();
const { loadBundle } = require('./bundle-loader.cjs');
const b = loadBundle();
const t1 = process.uptime();
b.exports.runMain().then(() => { const t2 = process.uptime(); process.on('exit', () => { process.stderr.write(`entry ${(t0*1000).toFixed(1)} loaded ${(t1*1000).toFixed(1)} done ${(t2*1000).toFixed(1)} exit ${(process.uptime()*1000).toFixed(1)}\n`); }); });
