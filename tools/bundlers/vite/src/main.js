import { install } from './smoke.js';

install();
