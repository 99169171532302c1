using System.Text;

namespace LocalDapr.Sidecar;

/// <summary>
/// The path as daprd's HTTP server routes it: its clean-path middleware applies Go's <c>path.Clean</c> to the request
/// path before routing, so repeated slashes collapse, <c>.</c> and <c>..</c> elements resolve and a trailing slash goes
/// (<c>//v1.0/actors/T/1/</c> routes as <c>/v1.0/actors/T/1</c>).
/// </summary>
public static class CleanPath
{
    /// <summary>Go's <c>path.Clean</c>: the shortest path equivalent to <paramref name="path"/> by purely lexical processing.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0) return ".";
        var rooted = path[0] == '/';
        var elements = new List<string>();
        foreach (var element in path.Split('/'))
        {
            switch (element)
            {
                case "" or ".":
                    break;
                case "..":
                    if (elements.Count > 0 && elements[^1] != "..") elements.RemoveAt(elements.Count - 1);
                    else if (!rooted) elements.Add("..");
                    break;
                default:
                    elements.Add(element);
                    break;
            }
        }
        var cleaned = new StringBuilder(path.Length);
        if (rooted) cleaned.Append('/');
        cleaned.AppendJoin('/', elements);
        return cleaned.Length == 0 ? "." : cleaned.ToString();
    }
}
