import { compliance } from './compliance.js';
import { netHarness } from './net-harness.js';

compliance('wss', await netHarness('wss'));
