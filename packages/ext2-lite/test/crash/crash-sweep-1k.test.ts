// Crash sweep on 1 KiB-block images (crash-suite.ts says what it checks).
import { CRASH_CONFIGS, defineCrashSuite } from './crash-suite.js';

defineCrashSuite(CRASH_CONFIGS['1k']);
