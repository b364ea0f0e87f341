/**
 * V8 options of the submitter Lambda (its `NODE_OPTIONS`, beside `--enable-source-maps`), and of the
 * benchmark's planning child, which stands for it. The planner makes a short-lived string and object
 * per listed key; V8 grows its young generation when much survives a collection, and with the CPU
 * busy a million keys then peaked at 268–280 MiB (2 runs in about 20) instead of 211–228 MiB. With
 * the young generation's semi-spaces capped at 8 MiB the same planning peaked at 194–203 MiB in
 * 8 runs of 8 sharing one CPU with a busy loop, in the same CPU time (3.8–4.2 s, Node 22).
 */
export const SUBMITTER_V8_OPTIONS: readonly string[] = ['--max-semi-space-size=8'];
