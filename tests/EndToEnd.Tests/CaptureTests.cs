using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Gateway.Devices;
using StackExchange.Redis;
using IdentificationClient = Mtaeda.Contracts.Identification.V1.Identification.IdentificationClient;
using NotificationsClient = Mtaeda.Contracts.Notifications.V1.Notifications.NotificationsClient;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// The system with identification, on the Redis components (identification's store encrypted with a key of this run),
/// its apps exporting traces, logs and metrics over OTLP to the test (<see cref="Telemetry"/>), every MTAEDA log
/// category at Trace, templates of <see cref="TemplateLength"/> values and a gateway capture queue that holds a burst of
/// captures whole (so that every capture sent reaches identification).
/// </summary>
public sealed class MtaedaCaptureSystem() : MtaedaSystem(redis: true, ["identification"]), IAsyncDisposable
{
    /// <summary>Values in a face template in this system.</summary>
    public const int TemplateLength = 128;

    /// <summary>Where the apps export to.</summary>
    public OtlpReceiver Telemetry { get; } = OtlpReceiver.Start();

    /// <summary>The key identification's store is encrypted with (<c>MTAEDA_IDENTIFICATION_STATE_KEY</c>, 32 bytes in hex).</summary>
    public string StateKey { get; } = RandomNumberGenerator.GetHexString(64, lowercase: true);

    public IdentificationClient Identification => new(Invoker("identification"));

    /// <summary>Notifications, called as a supervisor (notifications judges users' calls, ADR 0009).</summary>
    public NotificationsClient Notifications => new(HubIssuer.As(Invoker("notifications"), "supervisor"));

    /// <summary>An HTTP client for the simulator's sidecar (service invocation over HTTP), with the run's API token.</summary>
    public HttpClient SidecarClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(SidecarHttp("simulator")), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("dapr-api-token", ApiToken);
        return client;
    }

    protected override IEnumerable<(string Name, string? Value)> RunnerEnvironment() => [("MTAEDA_IDENTIFICATION_STATE_KEY", StateKey)];

    protected override IEnumerable<(string Name, string Value)> Environment() =>
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", Telemetry.Endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_BSP_SCHEDULE_DELAY", "500"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "500"),
        // Queues that hold a burst of 10,000 captures' spans and log records whole (the defaults drop past 2,048).
        ("OTEL_BSP_MAX_QUEUE_SIZE", "200000"),
        ("OTEL_BLRP_MAX_QUEUE_SIZE", "200000"),
        ("Logging__LogLevel__Mtaeda", "Trace"),
        ("Identification__TemplateLength", TemplateLength.ToString(CultureInfo.InvariantCulture)),
        ("Gateway__CaptureQueue", "20000"),
    ];

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Telemetry.DisposeAsync();
    }
}

[CollectionDefinition(nameof(MtaedaCaptureSystem))]
public sealed class MtaedaCaptureSystemCollection : ICollectionFixture<MtaedaCaptureSystem>;

/// <summary>
/// Face captures through the runner: a listed offender's capture sent on a turnstile's device stream becomes the
/// supervisors' watch-list alert (and only theirs, never with the image), and 10,000 captures that match no one leave no
/// trace in any state key or value, stream entry, log file or exported trace.
/// </summary>
[Collection(nameof(MtaedaCaptureSystem))]
public sealed partial class CaptureTests(MtaedaCaptureSystem system)
{
    private const string Station = "stn-cap";
    private const string Turnstile = "ts-cap-01";
    private const string Camera = "cam-cap-01";
    // The strangers' turnstile: every capture it sends is sought (so that no id sought is a prefix of one that is not).
    private const string StrangersTurnstile = "ts-cap-02";
    private const string StrangersCamera = "cam-cap-02";
    private const int Strangers = 10_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ten_thousand_captures_that_match_no_one_leave_no_trace_while_a_listed_offender_alerts_the_supervisors_only()
    {
        await system.ProvisionAsync(Station, "Capture Corner", "green", 1_000_000, Turnstile, StrangersTurnstile);
        foreach (var (camera, turnstile) in new[] { (Camera, Turnstile), (StrangersCamera, StrangersTurnstile) })
        {
            await system.Equipment.InstallCameraAsync(new InstallCameraRequest
            {
                CameraId = camera, TurnstileId = turnstile, Model = new EquipmentInfo { SerialNumber = "SN-" + camera, Name = "FaceCam", ModelNumber = "FC2", Manufacturer = "Acme" },
            }, cancellationToken: Ct);
        }
        var random = new Random(20261207);
        var face = Face(random);
        await system.Identification.AddOffenderAsync(new AddOffenderRequest
        {
            OffenderId = "off-cap-1", CaseReference = "case-cap-1", AlertLevel = AlertLevel.High, Recipients = { "police-desk-9" }, ChangedBy = "officer-1",
            Templates = { Template("t-1", face) },
        }, cancellationToken: Ct);

        // The offender's law-enforcement recipient is a notification configuration of that id; one that only lists the kind is not told.
        foreach (var id in new[] { "police-desk-9", "ops-watch" })
        {
            await system.Notifications.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest
            {
                Configuration = new NotificationConfiguration
                {
                    ConfigurationId = id, Name = id, EventKinds = { NotificationEventKind.OffenderIdentified },
                    Channels = new NotificationChannels { Dashboard = true }, Template = new NotificationTemplate { Subject = "{title}", Body = "{text} ({occurred_at})" },
                },
            }, cancellationToken: Ct);
        }

        var supervisor = Channel.CreateUnbounded<JsonElement>();
        var technician = Channel.CreateUnbounded<JsonElement>();
        await using var supervisorHub = await ConnectHubAsync("supervisor", supervisor);
        await using var technicianHub = await ConnectHubAsync("technician", technician);

        using var certificates = DevCertificates.Ensure(system.CertsDir);
        using var certificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, Turnstile, Station);
        await using var device = await TestDevice.ConnectAsync(new Uri($"https://localhost:{system.DevicePort}"), Turnstile, certificate, certificates.Ca, Ct);
        using var strangersCertificate = DevCertificates.IssueDeviceCertificate(certificates.Ca, StrangersTurnstile, Station);
        await using var strangers = await TestDevice.ConnectAsync(new Uri($"https://localhost:{system.DevicePort}"), StrangersTurnstile, strangersCertificate, certificates.Ca, Ct);
        var traces = new CaptureTraces(StrangersTurnstile);

        // The offender passes, captured with an image crop, until identification knows the camera (it learns it from
        // equipment's CameraInstalled).
        var image = new byte[512];
        random.NextBytes(image);
        (image[0], image[1], image[^2], image[^1]) = (0xFF, 0xD8, 0xFF, 0xD9);
        JsonElement pushed = default;
        for (var attempt = 0; pushed.ValueKind == JsonValueKind.Undefined; attempt++)
        {
            Assert.True(attempt < 30, "no watch-list alert was pushed for 30 captures of the listed offender");
            var capture = device.FaceCapture(Camera, PassageDirection.Ingress, Noisy(random, face), image);
            await device.SendAsync(capture);
            pushed = await NextWatchListAlertAsync(supervisor, TimeSpan.FromSeconds(5));
        }
        var identificationId = pushed.GetProperty("identificationId").GetString()!;
        Assert.Equal(("NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED", Station, Camera, "MAINTENANCE_PRIORITY_HIGH"),
            (pushed.GetProperty("kind").GetString(), pushed.GetProperty("stationId").GetString(), pushed.GetProperty("deviceId").GetString(), pushed.GetProperty("priority").GetString()));
        Assert.Contains("alert level HIGH", pushed.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(Turnstile + ".c", identificationId, StringComparison.Ordinal);

        // The delivery is logged by the delivery worker, after the push.
        await Eventually.MatchesAsync(
            async () => await system.Notifications.ListDeliveriesAsync(new ListDeliveriesRequest { ConfigurationId = "police-desk-9" }, cancellationToken: Ct),
            deliveries => deliveries.Deliveries.Any(d => d.AlertId == pushed.GetProperty("id").GetString() && d.EventKind == NotificationEventKind.OffenderIdentified),
            TimeSpan.FromSeconds(30), Ct, "the recipient's delivery of the watch-list alert");
        Assert.Empty((await system.Notifications.ListDeliveriesAsync(new ListDeliveriesRequest { ConfigurationId = "ops-watch" }, cancellationToken: Ct)).Deliveries);

        // The image: identification answers it; neither the hub's push nor the alerts API carries it.
        var record = await system.Identification.GetIdentificationAsync(new GetIdentificationRequest { IdentificationId = identificationId }, cancellationToken: Ct);
        Assert.Equal(image, record.Image.ToByteArray());
        using var sidecar = system.SidecarClient();
        var alertsJson = await sidecar.GetStringAsync($"/v1.0/invoke/notifications/method/v1/alerts?station_id={Station}", Ct);
        Assert.Contains(identificationId, alertsJson, StringComparison.Ordinal);
        foreach (var text in new[] { pushed.GetRawText(), alertsJson })
        {
            Assert.DoesNotContain(Convert.ToBase64String(image[..30]), text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"image", text, StringComparison.OrdinalIgnoreCase);
        }

        // Strangers: 10,000 captures that match no one, sent on the device stream, and captures refused as bad input. First
        // one until identification counts it (it knows the strangers' camera then), then the rest.
        var before = await UnmatchedAsync(sidecar);
        for (var attempt = 0; await UnmatchedAsync(sidecar) == before; attempt++)
        {
            Assert.True(attempt < 30, "identification counted none of 30 strangers' captures");
            var probe = Face(random);
            var capture = strangers.FaceCapture(StrangersCamera, PassageDirection.Ingress, probe);
            traces.Add(capture.Sequence, probe);
            await strangers.SendAsync(capture);
            try
            {
                await Eventually.UntilAsync(async () => await UnmatchedAsync(sidecar) > before, "the first stranger to be counted", TimeSpan.FromSeconds(3), Ct);
            }
            catch (TimeoutException)
            {
                // Refused while identification did not know the camera yet: the next capture is sent.
            }
        }
        before = await UnmatchedAsync(sidecar);
        var batch = new List<DeviceSignal>();
        for (var i = 0; i < Strangers; i++)
        {
            var stranger = Face(random);
            var capture = strangers.FaceCapture(StrangersCamera, i % 2 == 0 ? PassageDirection.Ingress : PassageDirection.Egress, stranger, i % 100 == 0 ? image : null);
            traces.Add(capture.Sequence, stranger);
            batch.Add(capture);
            if (batch.Count == 250)
            {
                await strangers.SendAsync([.. batch]);
                batch.Clear();
            }
        }
        var wrongLength = Face(random)[..64];
        var notNormalised = Face(random).Select(v => v * 1.5f).ToArray();
        var notFinite = Face(random);
        notFinite[5] = float.NaN;
        var infinite = Face(random);
        infinite[7] = float.PositiveInfinity;
        foreach (var bad in new[] { wrongLength, notNormalised, notFinite, infinite })
        {
            var capture = strangers.FaceCapture(StrangersCamera, PassageDirection.Ingress, bad);
            traces.Add(capture.Sequence, bad);
            await strangers.SendAsync(capture);
        }
        var unknownCamera = Face(random);
        var misplaced = strangers.FaceCapture("cam-nowhere", PassageDirection.Ingress, unknownCamera);
        traces.Add(misplaced.Sequence, unknownCamera);
        await strangers.SendAsync(misplaced);
        await Eventually.UntilAsync(async () => await UnmatchedAsync(sidecar) >= before + Strangers, $"identification to count {Strangers} unmatched captures", Patience, Ct);

        // The offender's captures: the one pushed is identified (recorded as the offender's interaction).
        var interactions = await system.Identification.ListInteractionsAsync(new ListInteractionsRequest { PersonId = "off-cap-1" }, cancellationToken: Ct);
        Assert.Contains(interactions.Interactions, i => i.IdentificationId == identificationId);

        // The technicians heard of the turnstile's jam after the match, never of the match.
        await device.SendAsync(device.Fault(FaultKind.Jammed, "ticket jammed"));
        JsonElement jam;
        do
        {
            jam = await technician.Reader.ReadAsync(Ct).AsTask().WaitAsync(Patience, Ct);
            Assert.NotEqual("NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED", jam.GetProperty("kind").GetString());
        }
        while (jam.GetProperty("deviceId").GetString() != Turnstile);

        // Everything exported so far reaches the receiver: each app's span of a request made after the captures.
        var marker = "trace-marker-" + Guid.NewGuid().ToString("N");
        foreach (var app in system.Apps.Where(a => a != "simulator"))
        {
            using var answer = await sidecar.GetAsync($"/v1.0/invoke/{app}/method/{marker}-{app}", Ct);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, answer.StatusCode);
        }
        await Eventually.UntilAsync(() => system.Apps.Where(a => a != "simulator").All(app => system.Telemetry.Bodies.Any(b => b.Signal == "traces" && Contains(b.Body, $"{marker}-{app}"))),
            "every app's traces to be exported up to the marker", Patience, Ct);

        // The scan: every state key and value and stream entry (Redis, every database), every log file of the run, the
        // runner's own output, and everything exported over OTLP.
        var everything = new List<(string Where, byte[] Blob)>();
        everything.AddRange(await RedisContentsAsync());
        everything.AddRange(LogFiles().Select(f => ($"log file {f}", File.ReadAllBytes(f))));
        everything.Add(("the runner's output", Encoding.UTF8.GetBytes(string.Join('\n', system.Runner.Lines))));
        everything.AddRange(system.Telemetry.Bodies.Select((b, i) => ($"OTLP {b.Signal} export #{i}", b.Body)));

        // What a match leaves is found by the same scan (so the scan sees each place), and what the strangers left is not.
        Assert.Contains(everything, e => e.Where.StartsWith("redis", StringComparison.Ordinal) && Contains(e.Blob, $"identification|{identificationId}"));
        Assert.Contains(everything, e => e.Where.StartsWith("redis stream", StringComparison.Ordinal) && Contains(e.Blob, $"identified-{identificationId}"));
        Assert.Contains(everything, e => e.Where.StartsWith("log file", StringComparison.Ordinal) && e.Where.Contains("identification_app_", StringComparison.Ordinal) && e.Blob.Length > 0);
        Assert.Contains(everything, e => e.Where.StartsWith("OTLP traces", StringComparison.Ordinal) && Contains(e.Blob, "/mtaeda.identification.v1.Identification/SubmitCapture"));
        Assert.Contains(everything, e => e.Where.StartsWith("OTLP logs", StringComparison.Ordinal));
        Assert.True(traces.Count >= Strangers + 5);
        var leaks = everything.SelectMany(e => traces.Find(e.Blob).Take(3).Select(found => $"{e.Where}: {found}")).Take(20).ToList();
        Assert.True(leaks.Count == 0, "captures that matched no one left traces:\n" + string.Join('\n', leaks));
    }

    [Fact]
    public async Task A_simulated_capture_of_a_listed_offender_is_pushed_to_supervisors_as_a_watch_list_alert_with_its_image_held_by_identification()
    {
        var supervisor = Channel.CreateUnbounded<JsonElement>();
        await using var hub = await ConnectHubAsync("supervisor", supervisor);

        var run = await system.SimulateAsync(["--provision", "--stations", "1", "--turnstiles-per-station", "2", "--passages", "400", "--rate", "40",
            "--capture-rate", "4", "--offender-share", "0.5", "--offenders", "2", "--template-length", MtaedaCaptureSystem.TemplateLength.ToString(CultureInfo.InvariantCulture),
            "--seed", "31", "--quiet"], Ct);

        using var summary = JsonDocument.Parse(run.Output.Last(l => l.TrimStart().StartsWith('{')));
        Assert.Equal(40, summary.RootElement.GetProperty("captures").GetInt64());
        Assert.True(summary.RootElement.GetProperty("offenderCaptures").GetInt64() > 0);
        JsonElement alert;
        do
        {
            alert = await supervisor.Reader.ReadAsync(Ct).AsTask().WaitAsync(Patience, Ct);
        }
        while (alert.GetProperty("kind").GetString() != "NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED" || alert.GetProperty("stationId").GetString() != "stn-001");
        Assert.Matches("^cam-001-0[12]$", alert.GetProperty("deviceId").GetString());
        Assert.Matches(@"^Offender off-s31-0[12] \(case SIM-31-0[12], alert level (HIGH|MEDIUM)\)", alert.GetProperty("text").GetString());
        var record = await system.Identification.GetIdentificationAsync(new GetIdentificationRequest { IdentificationId = alert.GetProperty("identificationId").GetString() }, cancellationToken: Ct);
        Assert.Equal(MatchKind.Offender, record.Match);
        Assert.Equal([0xFF, 0xD8], record.Image.ToByteArray()[..2]);
        var listed = await system.Notifications.ListAlertsAsync(new ListAlertsRequest { StationId = "stn-001" }, cancellationToken: Ct);
        Assert.Contains(listed.Alerts, a => a.Id == alert.GetProperty("id").GetString() && a.Kind == NotificationEventKind.OffenderIdentified && a.IdentificationId == record.IdentificationId);
    }

    private async Task<HubConnection> ConnectHubAsync(string role, Channel<JsonElement> alerts)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl($"http://127.0.0.1:{system.HubPort}/hubs/operations",
                options => options.AccessTokenProvider = () => Task.FromResult<string?>(system.HubIssuer.Token(role, "*", sub: role + "-1")))
            .Build();
        hub.On<JsonElement>("alert", alert => alerts.Writer.TryWrite(alert));
        await hub.StartAsync(Ct);
        return hub;
    }

    // The next watch-list alert of the station pushed on the channel within the time, or default.
    private static async Task<JsonElement> NextWatchListAlertAsync(Channel<JsonElement> alerts, TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within);
        try
        {
            while (true)
            {
                var alert = await alerts.Reader.ReadAsync(timeout.Token);
                if (alert.GetProperty("kind").GetString() == "NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED" && alert.GetProperty("stationId").GetString() == Station) return alert;
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            return default;
        }
    }

    // identification's count of captures that matched no one (its Prometheus scrape, through the sidecar).
    private static async Task<long> UnmatchedAsync(HttpClient sidecar)
    {
        var metrics = await sidecar.GetStringAsync("/v1.0/invoke/identification/method/metrics", Ct);
        var line = UnmatchedLine().Match(metrics);
        return line.Success ? (long)double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^mtaeda_identification_captures_unmatched(_total)?(\{[^}]*\})? (?<value>[0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex UnmatchedLine();

    // Every key of every database of the system's Redis, with its value as its type holds it (strings, hashes, lists, sets,
    // sorted sets, stream entries); identification's values, sealed by Dapr (base64(nonce|ciphertext|tag)||key name), opened
    // with the run's key, so what they hold is scanned, not their ciphertext.
    private async Task<List<(string Where, byte[] Blob)>> RedisContentsAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(system.RedisEndpoint + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var result = new List<(string, byte[])>();
        var keys = 0;
        for (var index = 0; index < 16; index++)
        {
            var database = redis.GetDatabase(index);
            await foreach (var key in server.KeysAsync(index, pageSize: 1000))
            {
                keys++;
                var type = await database.KeyTypeAsync(key);
                var values = type switch
                {
                    RedisType.String => [(byte[])(await database.StringGetAsync(key))!],
                    RedisType.Hash => (await database.HashGetAllAsync(key)).SelectMany(e => new[] { (byte[])e.Name!, (byte[])e.Value! }).ToList(),
                    RedisType.List => [.. (await database.ListRangeAsync(key)).Select(v => (byte[])v!)],
                    RedisType.Set => [.. (await database.SetMembersAsync(key)).Select(v => (byte[])v!)],
                    RedisType.SortedSet => [.. (await database.SortedSetRangeByRankAsync(key)).Select(v => (byte[])v!)],
                    RedisType.Stream => (await database.StreamRangeAsync(key)).SelectMany(e => e.Values.SelectMany(v => new[] { (byte[])v.Name!, (byte[])v.Value! }).Append(Encoding.UTF8.GetBytes(e.Id!))).ToList(),
                    _ => new List<byte[]>(),
                };
                var where = $"redis {(type == RedisType.Stream ? "stream" : "key")} {index}:{key}";
                result.Add((where, Encoding.UTF8.GetBytes(key!)));
                result.AddRange(values.Select(v => (where, Opened(v))));
            }
        }
        Assert.True(keys > 0, "the system's Redis holds nothing");
        return result;
    }

    private byte[] Opened(byte[] value)
    {
        const string sealedBy = "||IDENTIFICATION_STATE_KEY";
        var text = Encoding.UTF8.GetString(value);
        if (!text.EndsWith(sealedBy, StringComparison.Ordinal)) return value;
        var sealedBytes = Convert.FromBase64String(text[..^sealedBy.Length]);
        var plain = new byte[sealedBytes.Length - 28];
        using var aes = new AesGcm(Convert.FromHexString(system.StateKey), 16);
        aes.Decrypt(sealedBytes.AsSpan(0, 12), sealedBytes.AsSpan(12, plain.Length), sealedBytes.AsSpan(12 + plain.Length), plain);
        return plain;
    }

    // The log files the runner wrote for this run (it names each sidecar's; the app's is beside it, of the same start).
    private IEnumerable<string> LogFiles()
    {
        var sidecars = system.Runner.Lines.Select(l => SidecarLogLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["path"].Value).Distinct().ToList();
        Assert.NotEmpty(sidecars);
        foreach (var file in sidecars)
        {
            if (File.Exists(file)) yield return file;
            var app = file.Replace("_daprd_", "_app_", StringComparison.Ordinal);
            if (File.Exists(app)) yield return app;
        }
    }

    [GeneratedRegex(@"sidecar log: (?<path>\S+\.log)")]
    private static partial Regex SidecarLogLine();

    private static bool Contains(byte[] blob, string text) => blob.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private static FaceTemplate Template(string id, float[] values)
    {
        var template = new FaceTemplate { TemplateId = id };
        template.Values.AddRange(values);
        return template;
    }

    // A face: a random direction in template space (strangers are nearly orthogonal to one another and to the offender).
    private static float[] Face(Random random) => Normalised(Enumerable.Range(0, MtaedaCaptureSystem.TemplateLength).Select(_ => Gaussian(random)).ToArray());

    // Another capture of the same face: a little noise (cosine ≈ 0.98).
    private static float[] Noisy(Random random, float[] face) =>
        Normalised(face.Select(v => v + (0.2 * Gaussian(random) / Math.Sqrt(face.Length))).ToArray());

    private static float[] Normalised(double[] values)
    {
        var norm = Math.Sqrt(values.Sum(v => v * v));
        return [.. values.Select(v => (float)(v / norm))];
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
