/**
 * The identifier of the item in `folder`: the folder's name, or its parent's name when the folder
 * is called `Access` (`…/Box2_Folder19/Access/p1.tif` is item `Box2_Folder19`). Images directly in
 * `accessDir` are the item named after it.
 */
export function itemIdentifier(folder: string, accessDir: string): string {
  const path = folder === '' ? accessDir : folder;
  const parts = path.split('/').filter((part) => part !== '');
  const last = parts[parts.length - 1] ?? path;
  if (last.toLowerCase() === 'access' && parts.length >= 2) return parts[parts.length - 2] ?? last;
  return last;
}
