// Bench-only entry: the baseline bundle (wrapper and nothing else) for size differences.
console.log("latchkey");
