// The lab moved to src/lab/ so the demo can use it too; tests keep importing it from here.
export * from '../../src/lab/index.js';
