// Seeded random workload on 1 KiB-block ext2 images (ext2-workload-suite.ts).
import { defineWorkloadSuite } from './ext2-workload-suite.js';

defineWorkloadSuite(1024);
