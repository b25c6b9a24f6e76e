/** publint (strict, suggestions included) and attw (profile esm-only) on one tarball; [] when both report nothing. */
export function lintTarball(tarball: string): Promise<string[]>;
