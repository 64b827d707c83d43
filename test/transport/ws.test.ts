import { compliance } from './compliance.js';
import { netHarness } from './net-harness.js';

compliance('ws', await netHarness('ws'));
