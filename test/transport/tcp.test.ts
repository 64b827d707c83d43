import { compliance } from './compliance.js';
import { netHarness } from './net-harness.js';

compliance('tcp', await netHarness('tcp'));
