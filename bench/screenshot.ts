// node --import tsx bench/screenshot.ts REPORT.html OUT.png [--width 1280] [--height 900 | --full] [--at '#bench-rows']
// Opens a bench report in headless Chromium and saves a screenshot: the picture in docs/ comes from here,
// and it is how the report's layout is checked by eye after a change.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { int, runCli } from '../cli/common.ts';
import { chromiumPath, CHROMIUM_FLAGS } from '../test/browser.ts';

const USAGE = 'node --import tsx bench/screenshot.ts REPORT.html OUT.png [--width 1280] [--height 900 | --full] [--at SELECTOR]';

/** `at`: a CSS selector scrolled to the top of the viewport first (e.g. the table, '#bench-rows'). */
export async function screenshot(html: string, png: string, width: number, height: number | 'full', at?: string): Promise<void> {
  const puppeteer = (await import('puppeteer')).default;
  const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width, height: height === 'full' ? 900 : height });
    await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' });
    if (at) await page.$eval(at, (e) => e.scrollIntoView());
    await page.screenshot({ path: png as `${string}.png`, fullPage: height === 'full' });
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli(USAGE, async () => {
    const p = new Command()
      .exitOverride()
      .configureOutput({ writeErr: () => {} })
      .argument('<html>')
      .argument('<png>')
      .option('--width <px>', 'viewport width', int('width', 320, 4000), 1280)
      .option('--height <px>', 'viewport height', int('height', 200, 20000), 900)
      .option('--full', 'the whole page')
      .option('--at <selector>', 'scroll this element to the top first');
    p.parse(process.argv);
    const o = p.opts();
    await screenshot(p.args[0], p.args[1], o.width, o.full ? 'full' : o.height, o.at);
    console.log(`wrote ${p.args[1]}`);
  });
}
