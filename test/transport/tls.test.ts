import { compliance } from './compliance.js';
import { netHarness } from './net-harness.js';

compliance('tls', await netHarness('tls'));
