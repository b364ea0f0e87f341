import type { ImageQc, QcFinding } from './image-qc.js';
import { type ImageMeasurement, UNIFORM_STDDEV } from './measure-image.js';

/** The flags one image's measurement raises on its own, with their explanation. */
export function imageFindings(measurement: ImageMeasurement): QcFinding[] {
  const findings: QcFinding[] = [];
  if (measurement.lumaStdDev < UNIFORM_STDDEV) {
    const tone = measurement.lumaMean < 64 ? 'black' : measurement.lumaMean > 192 ? 'blank' : 'flat';
    findings.push({
      flag: 'uniform',
      message: `nearly uniform (${tone}: luma mean ${Math.round(measurement.lumaMean)}, deviation ${measurement.lumaStdDev}): an empty page or a failed capture?`,
    });
  }
  const band = measurement.edgeBand;
  if (band !== undefined) {
    const [r, g, b] = band.colour;
    const colour = r === g && g === b ? (r <= 16 ? 'black' : `grey ${r}`) : `rgb(${r}, ${g}, ${b})`;
    findings.push({
      flag: 'edge-band',
      message: `${Math.round(band.fraction * 100)} % of the image along the ${band.edge} edge is constant ${colour}: a master cut short?`,
    });
  }
  return findings;
}

/** A measurement with its own flags, as stored in `ImageResult.qc`. */
export function imageQc(measurement: ImageMeasurement): ImageQc {
  return { ...measurement, flags: imageFindings(measurement).map((finding) => finding.flag) };
}
