// The decision log of a challenge as a PDF (PDFKit, standard Helvetica): a title, one block per
// decision, page numbers. Built in memory after the rows are read (no transaction open), journaled
// like the CSV ('sourcing_gate.exported').
import PDFDocument from 'pdfkit';
import { formatDateTime } from '../lib/format';
import { t } from '../lib/i18n';
import type { ServiceContext } from './context';
import { type DecisionLogRow, decisionLogExport } from './sourcing-gates.service';

/** Characters Windows-1252 (WinAnsi, the standard fonts' encoding) has above 0x7F outside Latin-1. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Text the standard Helvetica can draw: narrow and other spaces become spaces, unknown characters « ? ». */
export function winAnsiText(value: string): string {
  return value
    .normalize('NFC')
    .replace(/[\u202F\u2007\u2009\u200A\u2002\u2003]/g, ' ')
    .replace(/[\u2010\u2011]/g, '-')
    .replace(/\u2026/g, '…')
    .replace(/[^\n\t\x20-\x7E\u00A0-\u00FF]/gu, (char) => (WIN_ANSI_EXTRA.has(char) ? char : '?'));
}

export async function decisionLogPdf(ctx: ServiceContext, challengeId: unknown): Promise<Buffer> {
  const { challenge, rows } = await decisionLogExport(ctx, challengeId, 'pdf');
  const read: DecisionLogRow[] = [];
  for await (const row of rows) read.push(row);
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: true, info: { Title: winAnsiText(t('sourcingGates.log.pdfTitle')) } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const write = (value: string, options: PDFKit.Mixins.TextOptions = {}) => doc.text(winAnsiText(value), options);
  doc.font('Helvetica-Bold').fontSize(16);
  write(t('sourcingGates.log.pdfTitle'));
  doc.font('Helvetica').fontSize(11);
  write(t('sourcingGates.log.pdfChallenge', { title: challenge.title }));
  write(t('sourcingGates.log.pdfGenerated', { date: formatDateTime(ctx.now), count: read.length }));
  doc.moveDown();
  if (read.length === 0) write(t('sourcingGates.log.empty'));
  for (const row of read) {
    if (doc.y > doc.page.height - 200) doc.addPage();
    doc.font('Helvetica-Bold').fontSize(12);
    write(`${row.startupName} — ${row.target} : ${row.decision}`);
    doc.font('Helvetica').fontSize(10);
    write(`${t('sourcingGates.log.date')} : ${row.decidedAt ? formatDateTime(row.decidedAt) : '—'} · ${t('sourcingGates.log.decider')} : ${row.decider}`);
    write(`${t('sourcingGates.log.mean')} : ${row.weightedMean}`);
    if (row.evaluatorMeans) write(`${t('sourcingGates.log.evaluatorMeans')} : ${row.evaluatorMeans}`);
    write(`${t('sourcingGates.log.rationale')} : ${row.rationale || '—'}`);
    if (row.documentsSeen) write(`${t('sourcingGates.log.documents')} : ${row.documentsSeen}`);
    doc.moveDown();
  }
  const range = doc.bufferedPageRange();
  for (let index = range.start; index < range.start + range.count; index += 1) {
    doc.switchToPage(index);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(9);
    doc.text(winAnsiText(t('sourcingGates.log.pdfPage', { page: index + 1, pages: range.count })), 50, doc.page.height - 35, { align: 'center', width: doc.page.width - 100 });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
