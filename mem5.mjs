const t=Date.now();
await import(process.argv[2]);
console.log(process.argv[2], 'esm', Math.round(process.memoryUsage().rss/1048576), Math.round(process.memoryUsage().heapUsed/1048576), Date.now()-t,'ms');
