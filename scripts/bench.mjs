// Benchmarks against skopeo arrive with the benchmark issue; until then say so plainly.
console.log('regdesk bench: no benchmarks yet (they arrive with the copy engine and CLI).');
