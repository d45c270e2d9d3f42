// The throughput ceiling: a node:http server that reads each request body and responds with 200.
// It verifies and stores nothing. Listens on 127.0.0.1:$PORT.
import http from 'node:http';

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const bytes = Buffer.concat(chunks).length;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(`{"received":${bytes}}`);
  });
});

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
