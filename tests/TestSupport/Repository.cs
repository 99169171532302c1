namespace Mtaeda.Testing;

/// <summary>The repository the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding MTAEDA.slnx, above the test's folder.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MTAEDA.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("MTAEDA.slnx not found above the test folder");
    }
}
