using System.CommandLine;
using Bench;

var output = new Option<string>("--out") { Description = "Where to write the markdown report", DefaultValueFactory = _ => "docs/benchmarks/local-runtime.md" };
var calls = new Option<int>("--calls") { Description = "Calls per latency scenario", DefaultValueFactory = _ => 5000 };
var rate = new Option<int>("--rate") { Description = "Calls per second in the latency scenarios", DefaultValueFactory = _ => 1000 };
var events = new Option<int>("--events") { Description = "Events per throughput scenario", DefaultValueFactory = _ => 200_000 };
var root = new RootCommand("MTAEDA bench: the local runtime beside direct calls, measured in one run") { output, calls, rate, events };

var backends = new Option<string[]>("--backend") { Description = "memory, redis, or both (repeat)", DefaultValueFactory = _ => ["memory", "redis"] };
var passageRate = new Option<int>("--rate") { Description = "Target passages per second", DefaultValueFactory = _ => 20_000 };
var passageSeconds = new Option<int>("--seconds") { Description = "How long the devices send", DefaultValueFactory = _ => 60 };
var passageWarmup = new Option<int>("--warmup") { Description = "Seconds of the same traffic before the measured run (0: none)", DefaultValueFactory = _ => 20 };
var passageLinger = new Option<int>("--linger-ms") { Description = "How long a simulated device waits to put more signals in one message", DefaultValueFactory = _ => 5 };
var passageStations = new Option<int>("--stations") { Description = "Stations", DefaultValueFactory = _ => 10 };
var passageTurnstiles = new Option<int>("--turnstiles-per-station") { Description = "Turnstiles per station", DefaultValueFactory = _ => 10 };
var passageOut = new Option<string>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => "docs/benchmarks/passage-path.md" };
var passages = new Command("passages", "The whole passage path, device to ridership, under the runner") { backends, passageRate, passageSeconds, passageWarmup, passageLinger, passageStations, passageTurnstiles, passageOut };
passages.SetAction(async (parse, _) =>
{
    var repository = RepositoryRoot() ?? throw new InvalidOperationException("run the bench inside the repository");
    var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    var report = new System.Text.StringBuilder();
    report.AppendLine("# Passage path benchmark").AppendLine();
    report.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores. Everything runs on this machine: the device simulator, the gateway, equipment, stations, ridership and the local runtime (one process for all sidecars).").AppendLine();
    report.AppendLine("Reproduce with:").AppendLine().AppendLine("```");
    report.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"dotnet run -c Release --project tools/bench -- passages --rate {parse.GetValue(passageRate)} --seconds {parse.GetValue(passageSeconds)} --warmup {parse.GetValue(passageWarmup)} --stations {parse.GetValue(passageStations)} --turnstiles-per-station {parse.GetValue(passageTurnstiles)} --linger-ms {parse.GetValue(passageLinger)}");
    report.AppendLine("```").AppendLine();
    foreach (var backend in parse.GetValue(backends)!)
        report.Append(await PassageBench.RunAsync(repository, configuration, backend, parse.GetValue(passageRate), parse.GetValue(passageSeconds), parse.GetValue(passageWarmup), parse.GetValue(passageStations), parse.GetValue(passageTurnstiles), parse.GetValue(passageLinger), Console.Out));
    var path = Path.Combine(repository, parse.GetValue(passageOut)!);
    await File.WriteAllTextAsync(path, report.ToString());
    Console.WriteLine($"report written to {path}");
    return 0;
});
root.Subcommands.Add(passages);

var wfBackends = new Option<string[]>("--backend") { Description = "memory, redis, or both (repeat)", DefaultValueFactory = _ => ["memory", "redis"] };
var wfCount = new Option<int>("--workflows") { Description = "Five-activity chains per throughput scenario", DefaultValueFactory = _ => 5000 };
var wfConcurrency = new Option<int[]>("--concurrency") { Description = "Instances in flight per throughput scenario (repeat)", DefaultValueFactory = _ => [30, 200] };
var wfTimers = new Option<int>("--timers") { Description = "Instances waiting on a one-minute timer at once (0: skip)", DefaultValueFactory = _ => 10_000 };
var wfOut = new Option<string>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => "docs/benchmarks/workflows.md" };
var workflowsCommand = new Command("workflows", "Dapr workflows on the local runtime: chained activities, latency, many timers") { wfBackends, wfCount, wfConcurrency, wfTimers, wfOut };
workflowsCommand.SetAction(async (parse, _) =>
{
    var repository = RepositoryRoot() ?? throw new InvalidOperationException("run the bench inside the repository");
    var report = new System.Text.StringBuilder();
    report.Append(System.Globalization.CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, with ");
    report.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"`--workflows {parse.GetValue(wfCount)} {string.Join(' ', parse.GetValue(wfConcurrency)!.Select(c => $"--concurrency {c}"))} --timers {parse.GetValue(wfTimers)}`.").AppendLine();
    foreach (var backend in parse.GetValue(wfBackends)!)
        report.Append(await WorkflowBench.RunAsync(backend, parse.GetValue(wfCount), parse.GetValue(wfConcurrency)!, parse.GetValue(wfTimers), Console.Out));
    var path = Path.Combine(repository, parse.GetValue(wfOut)!);
    var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
    const string Marker = "<!-- measured -->";
    var head = existing.Contains(Marker, StringComparison.Ordinal) ? existing[..(existing.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)] : "# Workflow benchmark\n\n" + Marker;
    await File.WriteAllTextAsync(path, head + "\n\n" + report);
    Console.WriteLine($"report written to {path}");
    return 0;
});
root.Subcommands.Add(workflowsCommand);
var mRate = new Option<int[]>("--rate") { Description = "Target passages per second of the passage load (0: none; repeat for a run at each)", DefaultValueFactory = _ => [20_000] };
var mWarmup = new Option<int>("--load-warmup") { Description = "Seconds of passage load before the first fault", DefaultValueFactory = _ => 20 };
var mFaults = new Option<int>("--faults") { Description = "Turnstile faults, each a maintenance process driven to completion", DefaultValueFactory = _ => 300 };
var mConcurrency = new Option<int>("--technicians") { Description = "Processes a scripted technician drives at once", DefaultValueFactory = _ => 20 };
var mSeconds = new Option<int>("--max-seconds") { Description = "Time limit of the faults' phase", DefaultValueFactory = _ => 120 };
var mStations = new Option<int>("--stations") { Description = "Stations of the passage load", DefaultValueFactory = _ => 10 };
var mTurnstiles = new Option<int>("--turnstiles-per-station") { Description = "Turnstiles per station of the passage load", DefaultValueFactory = _ => 10 };
var mOut = new Option<string>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => "docs/benchmarks/maintenance.md" };
var mBackends = new Option<string[]>("--backend") { Description = "memory, redis, or both (repeat)", DefaultValueFactory = _ => ["memory"] };
var maintenanceCommand = new Command("maintenance", "Faults to completed maintenance processes, and fault-to-work-order latency, under passage load") { mBackends, mRate, mWarmup, mFaults, mConcurrency, mSeconds, mStations, mTurnstiles, mOut };
maintenanceCommand.SetAction(async (parse, _) =>
{
    var repository = RepositoryRoot() ?? throw new InvalidOperationException("run the bench inside the repository");
    var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    var table = new System.Text.StringBuilder();
    foreach (var backend in parse.GetValue(mBackends)!)
    foreach (var rate in parse.GetValue(mRate)!)
        table.Append(await MaintenanceBench.RunAsync(repository, configuration, backend, rate, parse.GetValue(mWarmup), parse.GetValue(mFaults), parse.GetValue(mConcurrency),
            parse.GetValue(mSeconds), parse.GetValue(mStations), parse.GetValue(mTurnstiles), Console.Out));
    var command = $"flock /tmp/mtaeda-heavy.lock dotnet run -c Release --project tools/bench -- maintenance {string.Join(' ', parse.GetValue(mBackends)!.Select(b => $"--backend {b}"))} {string.Join(' ', parse.GetValue(mRate)!.Select(r => $"--rate {r}"))} --load-warmup {parse.GetValue(mWarmup)} --faults {parse.GetValue(mFaults)} --technicians {parse.GetValue(mConcurrency)} --max-seconds {parse.GetValue(mSeconds)} --stations {parse.GetValue(mStations)} --turnstiles-per-station {parse.GetValue(mTurnstiles)}";
    var path = Path.Combine(repository, parse.GetValue(mOut)!);
    var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
    const string Marker = "<!-- measured -->";
    var head = existing.Contains(Marker, StringComparison.Ordinal) ? existing[..(existing.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)] : "# Maintenance benchmark\n\n" + Marker;
    var measured = $"\n\nMeasured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores with\n\n```\n{command}\n```\n\n{table}";
    await File.WriteAllTextAsync(path, head + measured);
    Console.WriteLine($"report written to {path}");
    return 0;
});
root.Subcommands.Add(maintenanceCommand);
var idSizes = new Option<int[]>("--size") { Description = "Watch-list sizes (templates; repeat)", DefaultValueFactory = _ => [10_000, 100_000] };
var idDimensions = new Option<int>("--dimensions") { Description = "Template length", DefaultValueFactory = _ => 512 };
var idCaptures = new Option<int>("--captures") { Description = "Captures matched per size", DefaultValueFactory = _ => 20_000 };
var idRecall = new Option<int>("--recall-queries") { Description = "Captures of listed people (and as many of strangers) checked against exact search", DefaultValueFactory = _ => 1000 };
var idThreads = new Option<int>("--threads") { Description = "Matching threads", DefaultValueFactory = _ => Environment.ProcessorCount };
var idMatcher = new Option<string>("--matcher") { Description = "lsh (multi-probe LSH), signcode (the whole list scanned) or hnsw", DefaultValueFactory = _ => "signcode" };
var idThreshold = new Option<float>("--threshold") { Description = "Least cosine similarity for a match", DefaultValueFactory = _ => 0.6f };
var idSimilarity = new Option<float>("--capture-similarity") { Description = "Average cosine of a listed person's capture to their template", DefaultValueFactory = _ => 0.7f };
var idDepth = new Option<int>("--rerank-depth") { Description = "Sign codes nearest by Hamming distance re-ranked by exact cosine", DefaultValueFactory = _ => new Mtaeda.Identification.Domain.SignCodeSettings().RerankDepth };
var idM = new Option<int>("--m") { Description = "HNSW links per node", DefaultValueFactory = _ => 16 };
var idEfAdd = new Option<int>("--ef-construction") { Description = "HNSW candidates while inserting", DefaultValueFactory = _ => 128 };
var idEf = new Option<int>("--ef") { Description = "HNSW candidates while searching", DefaultValueFactory = _ => 64 };
var idQuant = new Option<string>("--quantization") { Description = "HNSW values: int8, float16 or float32", DefaultValueFactory = _ => "float16" };
var idTables = new Option<int>("--tables") { Description = "LSH hash tables", DefaultValueFactory = _ => new Mtaeda.Identification.Domain.LshSettings().Tables };
var idProbeFactor = new Option<double>("--probe-factor") { Description = "LSH keys visited per capture: factor · (2m)^0.7", DefaultValueFactory = _ => new Mtaeda.Identification.Domain.LshSettings().ProbeFactor };
var idOccupancy = new Option<double>("--occupancy") { Description = "LSH templates per key the block size aims at", DefaultValueFactory = _ => new Mtaeda.Identification.Domain.LshSettings().TargetOccupancy };
var idAppend = new Option<bool>("--append") { Description = "Add the results to the report's measurements instead of replacing them" };
var idOut = new Option<string>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => "docs/benchmarks/identification.md" };
var identification = new Command("identification", "Face captures matched per second against watch lists of growing size, recall@1 against exact search")
{
    idSizes, idDimensions, idCaptures, idRecall, idThreads, idMatcher, idThreshold, idSimilarity, idDepth, idM, idEfAdd, idEf, idQuant, idTables, idProbeFactor, idOccupancy, idAppend, idOut,
};
identification.SetAction(async (parse, _) =>
{
    var repository = RepositoryRoot() ?? throw new InvalidOperationException("run the bench inside the repository");
    var sizes = parse.GetValue(idSizes)!;
    var dimensions = parse.GetValue(idDimensions);
    var kind = parse.GetValue(idMatcher)!.ToLowerInvariant();
    string description, options;
    Func<Mtaeda.Identification.Domain.IMatcher> matcher;
    if (kind == "lsh")
    {
        var settings = new Mtaeda.Identification.Domain.LshSettings { Tables = parse.GetValue(idTables), ProbeFactor = parse.GetValue(idProbeFactor), TargetOccupancy = parse.GetValue(idOccupancy), RerankDepth = parse.GetValue(idDepth) };
        description = $"Multi-probe cross-polytope LSH: {settings.Tables} tables, keys of two hashes over blocks of m coordinates (m from the list size, about {settings.TargetOccupancy} templates per key), {settings.ProbeFactor} · (2m)^0.7 keys probed per capture, candidates compared by 512-bit sign code, the {settings.RerankDepth} nearest re-ranked by cosine on 16-bit values; lists of at most {settings.ScanUpTo} templates scanned whole";
        options = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--matcher lsh --tables {settings.Tables} --probe-factor {settings.ProbeFactor} --occupancy {settings.TargetOccupancy} --rerank-depth {settings.RerankDepth}");
        matcher = () => new Mtaeda.Identification.Domain.MultiProbeLshMatcher(dimensions, settings);
    }
    else if (kind == "hnsw")
    {
        var settings = new Mtaeda.Identification.Infrastructure.HnswSettings { Connectivity = parse.GetValue(idM), ExpansionAdd = parse.GetValue(idEfAdd), ExpansionSearch = parse.GetValue(idEf), Quantization = Enum.Parse<Mtaeda.Identification.Infrastructure.HnswQuantization>(parse.GetValue(idQuant)!, ignoreCase: true) };
        description = $"HNSW (USearch): M = {settings.Connectivity}, efConstruction = {settings.ExpansionAdd}, ef = {settings.ExpansionSearch}, cosine, values stored as {settings.Quantization}";
        options = $"--matcher hnsw --m {settings.Connectivity} --ef-construction {settings.ExpansionAdd} --ef {settings.ExpansionSearch} --quantization {parse.GetValue(idQuant)}";
        matcher = () => new Mtaeda.Identification.Infrastructure.HnswMatcher(dimensions, settings);
    }
    else
    {
        var settings = new Mtaeda.Identification.Domain.SignCodeSettings { RerankDepth = parse.GetValue(idDepth) };
        var bits = new Mtaeda.Identification.Domain.SignCodeMatcher(dimensions, settings).Bits;
        description = $"Sign codes: {bits} bits per template (randomized Hadamard rotation), all scanned with popcount, the {settings.RerankDepth} nearest by Hamming distance re-ranked by cosine on 16-bit values";
        options = $"--matcher signcode --rerank-depth {settings.RerankDepth}";
        matcher = () => new Mtaeda.Identification.Domain.SignCodeMatcher(dimensions, settings);
    }
    var table = IdentificationBench.Run(sizes, dimensions, parse.GetValue(idCaptures), parse.GetValue(idRecall), parse.GetValue(idThreads),
        parse.GetValue(idThreshold), parse.GetValue(idSimilarity), description, matcher, 7, Console.Out);
    var command = $"flock /tmp/mtaeda-heavy.lock dotnet run -c Release --project tools/bench -- identification {string.Join(' ', sizes.Select(s => $"--size {s}"))} --dimensions {dimensions} --captures {parse.GetValue(idCaptures)} --recall-queries {parse.GetValue(idRecall)} --threads {parse.GetValue(idThreads)} --threshold {parse.GetValue(idThreshold).ToString(System.Globalization.CultureInfo.InvariantCulture)} --capture-similarity {parse.GetValue(idSimilarity).ToString(System.Globalization.CultureInfo.InvariantCulture)} {options}{(parse.GetValue(idAppend) ? " --append" : "")}";
    var path = Path.Combine(repository, parse.GetValue(idOut)!);
    var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
    const string Marker = "<!-- measured -->";
    var head = parse.GetValue(idAppend) && existing.Contains(Marker, StringComparison.Ordinal) ? existing.TrimEnd()
        : existing.Contains(Marker, StringComparison.Ordinal) ? existing[..(existing.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)] : "# Identification benchmark\n\n" + Marker;
    var measured = $"\n\nMeasured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores with\n\n```\n{command}\n```\n\n{table}";
    await File.WriteAllTextAsync(path, head + measured);
    Console.WriteLine($"report written to {path}");
    return 0;
});
root.Subcommands.Add(identification);
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
var fbRate = new Option<int[]>("--rate") { Description = "Target passages per second of the passage load (0: none; repeat for a run at each)", DefaultValueFactory = _ => [20_000] };
var fbWarmup = new Option<int>("--load-warmup") { Description = "Seconds of passage load before the first fault", DefaultValueFactory = _ => 20 };
var fbFaults = new Option<int>("--faults") { Description = "Measured faults, each of a turnstile of its own", DefaultValueFactory = _ => 100 };
var fbWarmFaults = new Option<int>("--warmup-faults") { Description = "Faults before the measured ones, not measured", DefaultValueFactory = _ => 10 };
var fbInterval = new Option<int>("--interval-ms") { Description = "Time between two faults", DefaultValueFactory = _ => 500 };
var fbSeconds = new Option<int>("--max-seconds") { Description = "Time limit of each phase of faults", DefaultValueFactory = _ => 120 };
var fbStations = new Option<int>("--stations") { Description = "Stations of the passage load", DefaultValueFactory = _ => 10 };
var fbTurnstiles = new Option<int>("--turnstiles-per-station") { Description = "Turnstiles per station of the passage load", DefaultValueFactory = _ => 10 };
var fbNoAnimations = new Option<bool>("--no-animations") { Description = "A diagnosis: the page's CSS animations and transitions off (the fresh alerts' cue among them)" };
var fbAppend = new Option<bool>("--append") { Description = "Add the results to the report's measurements instead of replacing them" };
var fbOut = new Option<string>("--out") { Description = "Where to write the report", DefaultValueFactory = _ => "docs/benchmarks/fault-to-browser.md" };
var faultToBrowser = new Command("fault-to-browser", "A device's fault to its alert rendered in a supervisor's browser, measured by the browser, under passage load")
{
    fbRate, fbWarmup, fbFaults, fbWarmFaults, fbInterval, fbSeconds, fbStations, fbTurnstiles, fbNoAnimations, fbAppend, fbOut,
};
faultToBrowser.SetAction(async (parse, _) =>
{
    var repository = RepositoryRoot() ?? throw new InvalidOperationException("run the bench inside the repository");
    var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    var options = new FaultToBrowserBench.Options(parse.GetValue(fbWarmup), parse.GetValue(fbFaults), parse.GetValue(fbWarmFaults), parse.GetValue(fbInterval),
        parse.GetValue(fbSeconds), parse.GetValue(fbStations), parse.GetValue(fbTurnstiles), parse.GetValue(fbNoAnimations));
    var table = new System.Text.StringBuilder();
    foreach (var rate in parse.GetValue(fbRate)!) table.Append(await FaultToBrowserBench.RunAsync(repository, configuration, options, rate, Console.Out));
    var command = $"flock /tmp/mtaeda-heavy.lock dotnet run -c Release --project tools/bench -- fault-to-browser {string.Join(' ', parse.GetValue(fbRate)!.Select(r => $"--rate {r}"))} --load-warmup {options.LoadWarmup} --faults {options.Faults} --warmup-faults {options.WarmUpFaults} --interval-ms {options.IntervalMs} --max-seconds {options.MaxSeconds} --stations {options.Stations} --turnstiles-per-station {options.TurnstilesPerStation}{(options.NoAnimations ? " --no-animations" : "")}";
    var path = Path.Combine(repository, parse.GetValue(fbOut)!);
    var existing = File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
    const string Marker = "<!-- measured -->";
    var head = !existing.Contains(Marker, StringComparison.Ordinal) ? "# Fault to browser benchmark\n\n" + Marker
        : parse.GetValue(fbAppend) ? existing.TrimEnd() : existing[..(existing.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)];
    await File.WriteAllTextAsync(path, head + $"\n\nMeasured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores with\n\n```\n{command}\n```\n\n{table}");
    Console.WriteLine($"report written to {path}");
    return 0;
});
root.Subcommands.Add(faultToBrowser);
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
