/** The floor for the gateway's HTTP cost: Express reading the raw body and answering 200, nothing else. */
import express from 'express';

const app = express();
app.post('/webhooks/bank131', express.raw({ type: () => true, limit: 256 * 1024 }), (_req, res) => {
  res.status(200).json({ status: 'ok' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `bare express listening ${typeof address === 'object' && address ? address.port : ''}\n`,
  );
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
