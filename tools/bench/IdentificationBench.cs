using Mtaeda.Identification.Domain;
using Mtaeda.Identification.Infrastructure;

namespace Bench;

/// <summary>
/// Captures matched per second against watch lists of growing size: the service's matcher (with its match policy)
/// beside exact search over the same templates, recall@1 of the matcher against exact search, and memory per entry.
/// Captures of listed people are a listed template plus Gaussian noise (cosine <c>captureSimilarity</c> to it on
/// average, as a second photo of the same face gives); the others are random unit vectors (a stranger: cosine about 0
/// to everyone).
/// </summary>
internal static class IdentificationBench
{
    /// <summary>Measures <paramref name="matcher"/> (described by <paramref name="description"/>) at every size.</summary>
    public static string Run(int[] sizes, int dimensions, int captures, int recallQueries, int threads, float threshold, float captureSimilarity,
        string description, Func<IMatcher> matcher, int seed, TextWriter log)
    {
        var report = new StringBuilder();
        var policy = new MatchPolicy(threshold, threshold);
        // A unit template plus noise of σ per value has cosine 1/√(1 + d·σ²) to it.
        var noiseSigma = (float)Math.Sqrt((1.0 / (captureSimilarity * captureSimilarity) - 1) / dimensions);
        report.AppendLine(CultureInfo.InvariantCulture, $"{description}; {MatchPolicy.Candidates} candidates per capture, threshold {threshold}; {dimensions} dimensions; {captures} captures per size (half of listed people at cosine {captureSimilarity} to their template on average, half strangers), {threads} matching threads; recall over {recallQueries} captures of listed people and {recallQueries} of strangers. Load average (1 min) before: {LoadAverage()}.").AppendLine();
        report.AppendLine("| templates | build: wall s (CPU s) | captures/s, wall clock | CPU µs per capture | templates examined per capture | p50 / p99 per capture (µs) | captures/s (exact search) | listed found (threshold) | strangers matched | recall@1, listed | recall@1, strangers | memory per entry (bytes) | load average (1 min) |");
        report.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            var random = new Random(seed);
            log.WriteLine($"identification: {size} templates of {dimensions}");
            var templates = new float[size][];
            for (var i = 0; i < size; i++) templates[i] = Unit(random, dimensions);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var before = Process.GetCurrentProcess().PrivateMemorySize64;
            var build = Stopwatch.StartNew();
            var buildCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var index = matcher();
            // As the service builds it at start-up: the whole list in one call.
            index.PutMany([.. Enumerable.Range(0, size).Select(i => (new PersonRef(PersonKind.Offender, Id(i)), (IReadOnlyList<StoredTemplate>)[new StoredTemplate("t", templates[i])]))]);
            build.Stop();
            buildCpu = Process.GetCurrentProcess().TotalProcessorTime - buildCpu;
            GC.Collect();
            var perEntry = (Process.GetCurrentProcess().PrivateMemorySize64 - before) / (double)size;
            log.WriteLine($"  built in {build.Elapsed.TotalSeconds:F1} s ({buildCpu.TotalSeconds:F1} CPU-s), {perEntry:F0} bytes per entry");

            var listed = new int[captures];
            var queries = new float[captures][];
            for (var q = 0; q < captures; q++)
            {
                if (q % 2 == 0)
                {
                    listed[q] = random.Next(size);
                    queries[q] = Noisy(random, templates[listed[q]], noiseSigma);
                }
                else
                {
                    listed[q] = -1;
                    queries[q] = Unit(random, dimensions);
                }
            }

            // Throughput: every capture through the match policy, as the service runs it.
            var latencies = new long[captures];
            var found = 0;
            var strangersMatched = 0;
            var next = -1;
            var (searchesBefore, examinedBefore) = index is MultiProbeLshMatcher counted ? (counted.Searches, counted.CandidatesExamined) : (0, 0);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var run = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
            {
                int q;
                while ((q = Interlocked.Increment(ref next)) < captures)
                {
                    var start = Stopwatch.GetTimestamp();
                    var match = policy.Identify(index, queries[q]);
                    latencies[q] = Stopwatch.GetTimestamp() - start;
                    if (listed[q] >= 0 && match?.Person.Id == Id(listed[q])) Interlocked.Increment(ref found);
                    if (listed[q] < 0 && match is not null) Interlocked.Increment(ref strangersMatched);
                }
            })).ToArray();
            Task.WaitAll(workers);
            run.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var rate = captures / run.Elapsed.TotalSeconds;
            var cpuPerCapture = cpu.TotalSeconds * 1e6 / captures;
            Array.Sort(latencies);
            var p50 = latencies[captures / 2] * 1e6 / Stopwatch.Frequency;
            var p99 = latencies[(int)(captures * 0.99)] * 1e6 / Stopwatch.Frequency;
            // Sign codes compared per capture: the probed buckets' templates (LSH), every template (the scan).
            var examined = index switch
            {
                MultiProbeLshMatcher lsh => string.Create(CultureInfo.InvariantCulture,
                    $"{(lsh.CandidatesExamined - examinedBefore) / (double)Math.Max(1, lsh.Searches - searchesBefore):N0} (m = {lsh.Block}, {lsh.Probes} probes)"),
                SignCodeMatcher => size.ToString("N0", CultureInfo.InvariantCulture),
                _ => "n/a",
            };
            log.WriteLine($"  {rate:F0} captures/s ({cpuPerCapture:F0} CPU-µs each, {examined} examined), p50 {p50:F0} µs, p99 {p99:F0} µs; listed found {found}/{captures / 2}, strangers matched {strangersMatched}");

            // Recall@1 against exact search (brute force over the same templates), and exact search's own rate.
            var exactRun = Stopwatch.StartNew();
            var (recallListed, recallStrangers) = (0, 0);
            var sampled = Math.Min(recallQueries, captures / 2);
            for (var q = 0; q < 2 * sampled; q++)
            {
                var exact = ExactTop(templates, queries[q]);
                var approx = index.Nearest(queries[q], 1);
                if (approx.Count == 1 && approx[0].Person.Id == Id(exact))
                {
                    if (listed[q] >= 0) recallListed++;
                    else recallStrangers++;
                }
            }
            exactRun.Stop();
            var exactRate = 2 * sampled / exactRun.Elapsed.TotalSeconds;
            log.WriteLine($"  exact {exactRate:F1} captures/s; recall@1 listed {recallListed}/{sampled}, strangers {recallStrangers}/{sampled}");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {size:N0} | {build.Elapsed.TotalSeconds:F1} ({buildCpu.TotalSeconds:F1}) | {rate:N0} | {cpuPerCapture:F0} | {examined} | {p50:F0} / {p99:F0} | {exactRate:N1} | {found}/{captures / 2} | {strangersMatched}/{captures - captures / 2} | {recallListed / (double)sampled:F4} | {recallStrangers / (double)sampled:F4} | {perEntry:N0} | {LoadAverage()} |");
            (index as IDisposable)?.Dispose();
        }
        return report.ToString();
    }

    private static string Id(int i) => "off-" + i.ToString(CultureInfo.InvariantCulture);

    private static int ExactTop(float[][] templates, float[] query)
    {
        // Exact search in parallel over the templates; ties go to the lower index.
        var best = new (float Similarity, int Index)[Environment.ProcessorCount];
        Parallel.For(0, best.Length, part =>
        {
            var (from, to) = ((long)templates.Length * part / best.Length, (long)templates.Length * (part + 1) / best.Length);
            var local = (float.NegativeInfinity, -1);
            for (var i = (int)from; i < to; i++)
            {
                var s = FaceTemplates.Similarity(query, templates[i]);
                if (s > local.Item1) local = (s, i);
            }
            best[part] = local;
        });
        return best.Where(b => b.Index >= 0).OrderByDescending(b => b.Similarity).ThenBy(b => b.Index).First().Index;
    }

    private static float[] Unit(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < dimensions; i++) v[i] = Gaussian(random);
        return Normalised(v);
    }

    /// <summary>The 1-minute load average of the machine (shared: other work runs beside the bench).</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    private static float[] Noisy(Random random, float[] template, float sigma)
    {
        var v = new float[template.Length];
        for (var i = 0; i < v.Length; i++) v[i] = template[i] + sigma * Gaussian(random);
        return Normalised(v);
    }

    private static float[] Normalised(float[] v)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(v, v));
        for (var i = 0; i < v.Length; i++) v[i] /= norm;
        return v;
    }

    private static float Gaussian(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
