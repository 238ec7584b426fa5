// A real SMTP server for Echoes' tests, on 127.0.0.1: it accepts every
// message (AUTH optional, any credentials) and keeps it, parsed, for the
// tests to read back.
//
//   node sink.mjs        (env: SMTP_PORT, HTTP_PORT; 0 for any)
//
// GET http://127.0.0.1:HTTP_PORT/messages → [{ from, to, subject, text,
// html, date, headers }], oldest first. Prints
// "smtp on PORT, http on PORT" once both listen.

import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const messages = [];
const smtp = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onAuth(auth, session, callback) {
    callback(null, { user: auth.username });
  },
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        messages.push({
          from: mail.from?.text ?? '',
          to: mail.to?.text ?? '',
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: mail.html || '',
          date: mail.date?.toISOString() ?? null,
          headers: Object.fromEntries([...mail.headers].map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
        });
        callback();
      })
      .catch(callback);
  },
});
smtp.on('error', (err) => console.error(err));

const api = http.createServer((req, res) => {
  if (req.url === '/messages') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(messages));
  }
  res.writeHead(404);
  res.end();
});

smtp.listen(Number(process.env.SMTP_PORT || 0), '127.0.0.1', () => {
  api.listen(Number(process.env.HTTP_PORT || 0), '127.0.0.1', () => {
    console.log(`smtp on ${smtp.server.address().port}, http on ${api.address().port}`);
  });
});
