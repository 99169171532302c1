using System.Globalization;
using System.Runtime.InteropServices;

namespace LocalDapr.Runner;

/// <summary>
/// Signals and finds processes on Linux. The runner makes itself a child subreaper, so a grandchild whose parent exits
/// (for example the app under <c>dotnet run</c>) is re-parented to the runner and is still found and stopped.
/// </summary>
public static partial class ProcessTree
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    private const int PrSetChildSubreaper = 36;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    public static void BecomeSubreaper()
    {
        if (OperatingSystem.IsLinux()) _ = prctl(PrSetChildSubreaper, 1, 0, 0, 0);
    }

    public static void Signal(int pid, int signal)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) _ = kill(pid, signal);
    }

    public static bool IsAlive(int pid)
    {
        if (!OperatingSystem.IsLinux()) return false;
        // A zombie has exited; only its exit status is left to collect.
        return StatOf(pid) is { } stat && stat.State != 'Z';
    }

    /// <summary>Every live descendant of <paramref name="root"/>, deepest first.</summary>
    public static IReadOnlyList<int> Descendants(int root)
    {
        var parents = Children();
        var result = new List<int>();
        void Walk(int pid)
        {
            if (!parents.TryGetValue(pid, out var children)) return;
            foreach (var child in children)
            {
                Walk(child);
                result.Add(child);
            }
        }
        Walk(root);
        return result;
    }

    /// <summary>
    /// The process a launcher runs: from <paramref name="root"/> down through every process that has exactly one live
    /// child (<c>dotnet run</c> → the app, <c>sh -c</c> → its command), the last one. <paramref name="root"/> itself when
    /// it has no child or several.
    /// </summary>
    public static int Innermost(int root)
    {
        var parents = Children();
        var pid = root;
        while (parents.TryGetValue(pid, out var children) && children.Count == 1) pid = children[0];
        return pid;
    }

    /// <summary>The command line of <paramref name="pid"/>, its arguments separated by spaces; empty when it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static Dictionary<int, List<int>> Children()
    {
        var parents = new Dictionary<int, List<int>>();
        if (!OperatingSystem.IsLinux()) return parents;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (StatOf(pid) is not { } stat || stat.State == 'Z') continue;
            if (!parents.TryGetValue(stat.ParentPid, out var children)) parents[stat.ParentPid] = children = [];
            children.Add(pid);
        }
        return parents;
    }

    private static (char State, int ParentPid)? StatOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so read after the last ')'.
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
