import { describeClayV0Encoder, describeClayV0Tables } from './clay-v0.suite.ts';

describeClayV0Tables();
describeClayV0Encoder(2);
