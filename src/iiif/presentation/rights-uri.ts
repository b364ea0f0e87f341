/**
 * The form of a rights URI that Presentation 3.0 `rights` accepts, or `undefined` when it accepts
 * none. The value "MUST be drawn from the set of Creative Commons license URIs, the
 * RightsStatements.org rights statement URIs, or those added via the extension mechanism"
 * (https://iiif.io/api/presentation/3.0/#rights), in their canonical `http` form (IIIF/api#1874; the
 * validator's schema accepts only `http`): an `https` form is rewritten to `http`.
 */
export function presentation3Rights(uri: string): string | undefined {
  const match =
    /^https?:\/\/(creativecommons\.org\/(?:licenses|publicdomain)\/|rightsstatements\.org\/vocab\/)(\S+)$/i.exec(
      uri.trim(),
    );
  if (match === null) return undefined;
  return `http://${match[1]?.toLowerCase()}${match[2]}`;
}
