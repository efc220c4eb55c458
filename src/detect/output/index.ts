// The output detectors' public surface: scan a tool result for content aimed at the agent.
export { type OutputContext, scanOutput } from './scan.ts';
