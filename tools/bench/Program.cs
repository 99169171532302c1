using System.CommandLine;
using Bench;

var output = new Option<string>("--out") { Description = "Where to write the markdown report", DefaultValueFactory = _ => "docs/benchmarks/local-runtime.md" };
var calls = new Option<int>("--calls") { Description = "Calls per latency scenario", DefaultValueFactory = _ => 5000 };
var rate = new Option<int>("--rate") { Description = "Calls per second in the latency scenarios", DefaultValueFactory = _ => 1000 };
var events = new Option<int>("--events") { Description = "Events per throughput scenario", DefaultValueFactory = _ => 200_000 };
var root = new RootCommand("MTAEDA bench: the local runtime beside direct calls, measured in one run") { output, calls, rate, events };
root.SetAction(async (parse, _) =>
{
    var report = await LocalRuntimeBench.RunAsync(parse.GetValue(calls), parse.GetValue(rate), parse.GetValue(events), Console.Out)
        + "\n" + await DurableBench.RunAsync(parse.GetValue(calls), parse.GetValue(rate), parse.GetValue(events), Console.Out);
    var path = parse.GetValue(output)!;
    if (!Path.IsPathRooted(path) && RepositoryRoot() is { } root) path = Path.Combine(root, path);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    await File.WriteAllTextAsync(path, report);
    Console.WriteLine($"report written to {path}");
    return 0;
});
return await root.Parse(args).InvokeAsync();

// Relative report paths are relative to the repository (where MTAEDA.slnx is), wherever `dotnet run` starts the tool.
static string? RepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "MTAEDA.slnx"))) return dir.FullName;
    }
    return null;
}
