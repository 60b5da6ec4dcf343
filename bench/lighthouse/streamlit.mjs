/**
 * What a Lighthouse 12.2 run of a Streamlit page needs on top of a preset (desktop.mjs,
 * mobile.mjs; run by `python -m bench.lighthouse`).
 *
 * - Streamlit draws the page after the load event, from deltas that arrive over a websocket
 *   while the script runs on the server. Lighthouse does not count websocket frames as network
 *   activity, so it waits longer for the main thread to stay quiet than its default 1 s: a page
 *   whose server run pauses would otherwise be measured half drawn.
 * - Chrome (by 156) names the PipelineReporter trace events' `chrome_frame_reporter` argument
 *   `frame_reporter`. The trace engine of Lighthouse 12.2 reads the old name and throws, which
 *   loses the LCP element, layout shifts and render-blocking audits; Lighthouse 13 reads the
 *   new name but needs Node 22. The trace gatherer below (this module's default export, as
 *   Lighthouse loads gatherers) puts the old name back. It keeps the gatherer's symbol, so every
 *   gatherer and audit that depends on the trace gets this one.
 */
import {fileURLToPath} from 'node:url';

import Trace from 'lighthouse/core/gather/gatherers/trace.js';

export default class TraceWithOldFrameReporterName extends Trace {
  getArtifact() {
    const trace = super.getArtifact();
    for (const event of trace.traceEvents) {
      const args = event.args;
      if (event.name === 'PipelineReporter' && args?.frame_reporter && !args.chrome_frame_reporter) {
        args.chrome_frame_reporter = args.frame_reporter;
      }
    }
    return trace;
  }
}

const WAIT_FOR_STREAMLIT = {cpuQuietThresholdMs: 3000, networkQuietThresholdMs: 2000};

/** `config` (a Lighthouse config) for a Streamlit page. */
export function forStreamlit(config) {
  return {
    ...config,
    settings: {...config.settings, ...WAIT_FOR_STREAMLIT},
    artifacts: [{id: 'Trace', gatherer: fileURLToPath(import.meta.url)}],
  };
}
