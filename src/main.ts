import { relaunchWithMemorySettings } from './runtimeSettings.js';

// Before anything else is loaded: a relaunch after loading the server's modules would pay for them twice
// (ESM parses every statically imported module before running any).
relaunchWithMemorySettings();
await import('./start.js');
