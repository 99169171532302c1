using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Devices;

namespace Mtaeda.Simulator;

/// <summary>The simulator's settings (see <c>Program.cs</c> for the command line).</summary>
public sealed record SimulationOptions
{
    public int Stations { get; init; } = 4;
    public int TurnstilesPerStation { get; init; } = 4;
    public long? Passages { get; init; }
    public TimeSpan? Duration { get; init; }
    public double Rate { get; init; } = 200;
    public int Seed { get; init; } = 42;
    public double FaultRate { get; init; }
    public bool RushHour { get; init; }
    public IReadOnlyList<Uri> Gateways { get; init; } = [new("https://localhost:5443")];
    public bool Provision { get; init; }
    public string? CertificatesDirectory { get; init; }
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMinutes(1);
    public TimeSpan Linger { get; init; } = TimeSpan.FromMilliseconds(5);
    public bool Quiet { get; init; }

    /// <summary>Face captures per second over the network (0: none); spread evenly over the sending time.</summary>
    public double CaptureRate { get; init; }

    /// <summary>Share of the captures that are of listed offenders (the rest are strangers, who match no one).</summary>
    public double OffenderShare { get; init; } = 0.05;

    /// <summary>Offenders the run lists on the watch list when provisioning (ids and templates from the seed).</summary>
    public int Offenders { get; init; } = 3;

    /// <summary>Length of a face template (identification's <c>Identification:TemplateLength</c>).</summary>
    public int TemplateLength { get; init; } = 512;

    /// <summary>The simulator's own Dapr sidecar, for provisioning: <c>DAPR_GRPC_ENDPOINT</c>, else <c>http://127.0.0.1:DAPR_GRPC_PORT</c> (50001).</summary>
    public string DaprGrpcEndpoint { get; init; } = DefaultDaprGrpcEndpoint();

    /// <summary><c>DAPR_API_TOKEN</c>, when set.</summary>
    public string? DaprApiToken { get; init; } = Environment.GetEnvironmentVariable("DAPR_API_TOKEN") is { Length: > 0 } token ? token : null;

    private static string DefaultDaprGrpcEndpoint()
    {
        if (Environment.GetEnvironmentVariable("DAPR_GRPC_ENDPOINT") is { Length: > 0 } endpoint) return endpoint;
        var port = Environment.GetEnvironmentVariable("DAPR_GRPC_PORT");
        return $"http://127.0.0.1:{(string.IsNullOrEmpty(port) ? "50001" : port)}";
    }

    /// <summary>Passages to send in all.</summary>
    public long TotalPassages => Passages ?? (Duration is { } d ? (long)Math.Round(Rate * d.TotalSeconds) : 1000);

    /// <summary>How long sending takes.</summary>
    public TimeSpan SendingTime => Duration ?? TimeSpan.FromSeconds(TotalPassages / Rate);

    /// <summary>Face captures to send in all.</summary>
    public long TotalCaptures => (long)Math.Round(CaptureRate * SendingTime.TotalSeconds);

    public string? Validate()
    {
        if (Stations is < 1 or > 999) return "--stations must be between 1 and 999";
        if (TurnstilesPerStation is < 1 or > 99) return "--turnstiles-per-station must be between 1 and 99";
        if (Passages is < 0) return "--passages must not be negative";
        if (Duration is { } d && (d <= TimeSpan.Zero || d > TimeSpan.FromDays(1))) return "--duration must be between 0 and 86400 seconds";
        if (Rate <= 0) return "--rate must be positive";
        if (FaultRate is < 0 or > 1) return "--fault-rate must be between 0 and 1";
        if (CaptureRate is < 0 or > 10_000) return "--capture-rate must be between 0 and 10000";
        if (OffenderShare is < 0 or > 1) return "--offender-share must be between 0 and 1";
        if (Offenders is < 1 or > 99) return "--offenders must be between 1 and 99";
        if (TemplateLength is < 8 or > 4096) return "--template-length must be between 8 and 4096";
        if (Gateways.Count == 0 || Gateways.Any(g => g.Scheme != Uri.UriSchemeHttps)) return "--gateway must be https:// endpoints";
        return null;
    }
}

/// <summary>A run: connect every device, send the traffic at the profile's pace, wait for every outcome, account.</summary>
public static class Simulation
{
    private static readonly FaultKind[] FaultKinds = [FaultKind.Locked, FaultKind.Jammed, FaultKind.Malfunction];

    public static async Task<int> RunAsync(SimulationOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var network = Network.Build(options.Stations, options.TurnstilesPerStation, options.Seed, options.Gateways);
        var specs = network.SelectMany(s => s.Turnstiles).ToList();
        output.WriteLine($"simulator: {network.Count} stations, {specs.Count} turnstiles, {options.TotalPassages} passages over {options.SendingTime.TotalSeconds:F1} s{(options.RushHour ? " (rush hour)" : "")}, seed {options.Seed}, gateways {string.Join(", ", options.Gateways)}");
        if (options.TotalCaptures > 0)
            output.WriteLine($"simulator: {options.TotalCaptures} face captures, {options.OffenderShare:P0} of them of the {options.Offenders} listed offenders ({Faces.OffenderId(options.Seed, 1)}…), templates of {options.TemplateLength} values");

        var certificatesDirectory = DevCertificates.DefaultDirectory(options.CertificatesDirectory);
        using var certificates = DevCertificates.Ensure(certificatesDirectory);

        if (options.Provision)
        {
            output.WriteLine($"simulator: provisioning through the Dapr sidecar at {options.DaprGrpcEndpoint}");
            if (!await Provisioner.RunAsync(network, options, output, cancellationToken))
            {
                output.WriteLine("simulator: provisioning failed");
                WriteSummary(output, default, clock.Elapsed, complete: false, error: "provisioning failed");
                return 3;
            }
            output.WriteLine($"simulator: provisioned {network.Count} stations and {specs.Count} turnstiles" +
                (options.TotalCaptures > 0 ? $", {specs.Count} cameras and {options.Offenders} offenders on the watch list" : ""));
        }

        var issuing = Stopwatch.StartNew();
        var devices = specs.AsParallel().AsOrdered()
            .Select(spec => new SimulatedDevice(spec, DevCertificates.IssueDeviceCertificate(certificates.Ca, spec.DeviceId, spec.StationId), certificates.Ca, options.Linger))
            .ToList();
        output.WriteLine($"simulator: issued {devices.Count} device certificates in {issuing.Elapsed.TotalSeconds:F1} s");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sessions = devices.Select(d => Task.Run(() => d.RunAsync(stop.Token), CancellationToken.None)).ToList();
        var exit = 0;
        var connecting = Stopwatch.StartNew();
        try
        {
            var welcomed = Task.WhenAll(devices.Select(d => d.Welcomed));
            if (await Task.WhenAny(welcomed, Task.Delay(options.ConnectTimeout, cancellationToken)) != welcomed)
            {
                var missing = devices.Where(d => !d.Welcomed.IsCompleted).ToList();
                output.WriteLine($"simulator: {missing.Count} of {devices.Count} devices could not connect to their gateway; first error: {missing[0].Spec.Gateway}: {missing[0].LastError ?? "no answer"}");
                WriteSummary(output, default, clock.Elapsed, complete: false, error: "gateway unreachable");
                return 2;
            }
            output.WriteLine($"simulator: {devices.Count} devices connected in {connecting.Elapsed.TotalSeconds:F1} s");

            var captures = new CaptureTally();
            var sent = await SendAsync(options, devices, output, clock, captures, cancellationToken);
            var drained = await DrainAsync(options, devices, output, clock, sent, cancellationToken);
            var total = Sum(devices);
            var complete = drained && total.Passages == total.Forwarded;
            if (!complete)
            {
                var unsettled = devices.Where(d => !d.Settled).ToList();
                output.WriteLine($"simulator: incomplete: {unsettled.Count} devices still wait for outcomes (e.g. {string.Join(", ", unsettled.Take(5).Select(d => d.Spec.DeviceId))}); last error: {unsettled.Select(d => d.LastError).FirstOrDefault(e => e is not null) ?? "none"}");
                exit = 1;
            }
            output.WriteLine($"simulator: sent {total.Passages} passages ({total.Ingress} in, {total.Egress} out) and {total.Faults} faults; acknowledged {total.Acked}, forwarded {total.Forwarded}, rejected {total.Rejected}; counted {total.CountedIngress + total.CountedEgress} ({total.CountedIngress} in, {total.CountedEgress} out)");
            if (captures.Sent > 0) output.WriteLine($"simulator: sent {captures.Sent} face captures, {captures.Offenders} of listed offenders");
            WriteSummary(output, total, clock.Elapsed, complete, error: null, captures);
            return exit;
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(sessions);
            foreach (var device in devices) await device.DisposeAsync();
        }
    }

    // Sends the passages at the profile's pace, on a 10 ms tick, each to a random turnstile in service.
    private static async Task<long> SendAsync(SimulationOptions options, List<SimulatedDevice> devices, TextWriter output, Stopwatch clock, CaptureTally captures, CancellationToken cancellationToken)
    {
        var random = new Random(options.Seed);
        // Captures draw from their own random source, so a seed gives the same passages with or without them.
        var faces = new Random(unchecked(options.Seed ^ 0x5eed));
        var offenders = Enumerable.Range(1, options.Offenders).Select(i => Faces.Offender(options.Seed, i, options.TemplateLength)).ToArray();
        var profile = new TrafficProfile(options.RushHour);
        var total = options.TotalPassages;
        var length = options.SendingTime;
        var start = clock.Elapsed;
        long sent = 0;
        var nextReport = start + TimeSpan.FromSeconds(1);
        var lastReport = (At: start, Sent: 0L);
        var outOfService = false;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while ((sent < total || captures.Sent < options.TotalCaptures) && !cancellationToken.IsCancellationRequested)
        {
            var elapsed = clock.Elapsed - start;
            var due = elapsed >= length ? total : (long)Math.Floor(total * profile.DueBy(elapsed / length));
            while (sent < due)
            {
                var device = Pick(devices, random);
                if (device is null)
                {
                    outOfService = true;
                    break;
                }
                var direction = random.Next(2) == 0 ? PassageDirection.Ingress : PassageDirection.Egress;
                if (!device.Pass(direction)) continue;
                sent++;
                if (options.FaultRate > 0 && random.NextDouble() < options.FaultRate)
                    device.Fault(FaultKinds[random.Next(FaultKinds.Length)], "simulated fault");
            }
            var capturesDue = elapsed >= length ? options.TotalCaptures : (long)Math.Floor(options.TotalCaptures * (elapsed / length));
            while (!outOfService && captures.Sent < capturesDue)
            {
                var device = Pick(devices, faces);
                if (device is null)
                {
                    outOfService = true;
                    break;
                }
                var direction = faces.Next(2) == 0 ? PassageDirection.Ingress : PassageDirection.Egress;
                var offender = faces.NextDouble() < options.OffenderShare;
                var template = offender ? Faces.CaptureOf(offenders[faces.Next(offenders.Length)], faces) : Faces.Random(faces, options.TemplateLength);
                if (!device.Capture(direction, template, Faces.Crop(template))) continue;
                captures.Sent++;
                if (offender) captures.Offenders++;
            }
            if (outOfService)
            {
                output.WriteLine($"simulator: every turnstile is out of service after {sent} passages; sending stops");
                break;
            }
            if (clock.Elapsed >= nextReport)
            {
                Report(options, devices, output, clock, $"rate {(sent - lastReport.Sent) / (clock.Elapsed - lastReport.At).TotalSeconds:F0}/s (target {options.Rate * profile.RateAt(elapsed / length):F0}/s)");
                lastReport = (clock.Elapsed, sent);
                nextReport += TimeSpan.FromSeconds(1);
            }
            try
            {
                await timer.WaitForNextTickAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return sent;
    }

    private static SimulatedDevice? Pick(List<SimulatedDevice> devices, Random random)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var device = devices[random.Next(devices.Count)];
            if (device.Operational) return device;
        }
        var inService = devices.Where(d => d.Operational).ToList();
        return inService.Count == 0 ? null : inService[random.Next(inService.Count)];
    }

    private static async Task<bool> DrainAsync(SimulationOptions options, List<SimulatedDevice> devices, TextWriter output, Stopwatch clock, long sent, CancellationToken cancellationToken)
    {
        var deadline = clock.Elapsed + options.DrainTimeout;
        var nextReport = clock.Elapsed + TimeSpan.FromSeconds(1);
        while (!devices.All(d => d.Settled))
        {
            if (clock.Elapsed >= deadline || cancellationToken.IsCancellationRequested) return false;
            if (clock.Elapsed >= nextReport)
            {
                Report(options, devices, output, clock, $"draining ({sent} sent)");
                nextReport += TimeSpan.FromSeconds(1);
            }
            try
            {
                await Task.Delay(20, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return true;
    }

    private static void Report(SimulationOptions options, List<SimulatedDevice> devices, TextWriter output, Stopwatch clock, string note)
    {
        if (options.Quiet) return;
        var total = Sum(devices);
        var connected = devices.Count(d => d.Connected);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{clock.Elapsed.TotalSeconds,6:F1}s] sent {total.Passages,8}  acked {total.Acked,8}  forwarded {total.Forwarded,8}  rejected {total.Rejected,5}  faults {total.Faults,3}  connected {connected}/{devices.Count}  {note}"));
    }

    private static DeviceTally Sum(List<SimulatedDevice> devices) =>
        devices.Aggregate(default(DeviceTally), (total, device) => total + device.Tally());

    // The last line: what ridership should show for this run (counted = forwarded minus rejected, by direction).
    private static void WriteSummary(TextWriter output, DeviceTally total, TimeSpan elapsed, bool complete, string? error, CaptureTally? captures = null)
    {
        var summary = new Dictionary<string, object?>
        {
            ["ingress"] = total.CountedIngress,
            ["egress"] = total.CountedEgress,
            ["passages"] = total.Passages,
            ["acked"] = total.Acked,
            ["forwarded"] = total.Forwarded,
            ["rejected"] = total.Rejected,
            ["faults"] = total.Faults,
            ["captures"] = captures?.Sent ?? 0,
            ["offenderCaptures"] = captures?.Offenders ?? 0,
            ["seconds"] = Math.Round(elapsed.TotalSeconds, 1),
            ["complete"] = complete,
        };
        if (error is not null) summary["error"] = error;
        output.WriteLine(JsonSerializer.Serialize(summary));
        output.Flush();
    }
}

/// <summary>Face captures sent in a run, and how many of them were of listed offenders.</summary>
internal sealed class CaptureTally
{
    public long Sent { get; set; }

    public long Offenders { get; set; }
}
