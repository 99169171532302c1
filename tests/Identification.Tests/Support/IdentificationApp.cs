using System.Globalization;
using System.Runtime.InteropServices;
using LocalDapr.Configuration;
using LocalDapr.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;

namespace Mtaeda.Identification.Tests.Support;

/// <summary>
/// The identification app hosted beside a local sidecar (as its <c>Program.cs</c> builds it, with 64-value templates and
/// thresholds of 0.8), what the tests send it, and what they read back from its store.
/// </summary>
internal static class IdentificationApp
{
    /// <summary>Template length of the hosted app.</summary>
    public const int Dimensions = 64;

    /// <summary>How long a test waits for the app or an event.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Sends a command as a client would just after the app started: the app starts before its sidecar listens and its
    /// channel to the sidecar reconnects within a second or two, so until then a command is answered Unavailable ("safe
    /// to retry") and is sent again.
    /// </summary>
    /// <typeparam name="TReply">The command's reply.</typeparam>
    /// <param name="command">Sends the command once.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The reply.</returns>
    public static async Task<TReply> WhenAvailableAsync<TReply>(Func<AsyncUnaryCall<TReply>> command, CancellationToken cancellationToken)
        where TReply : class
    {
        var reply = await Eventually.MatchesAsync<TReply?>(async () =>
        {
            try
            {
                return await command();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
            {
                return null;
            }
        }, r => r is not null, Patience, cancellationToken, "identification to take the command");
        return reply!;
    }

    /// <summary>The app, logging everything to <paramref name="logs"/>, on the state store <paramref name="store"/>.</summary>
    public static Func<string[], WebApplication> App(ILoggerProvider logs, string store = "statestore") => args => ServiceHost.Build(args,
        builder =>
        {
            builder.AddIdentification();
            builder.Logging.AddProvider(logs);
            builder.Logging.AddFilter<CapturingLogs>(null, LogLevel.Trace);
        },
        app => app.MapIdentificationApi().MapIdentificationEventHandlers(),
        new Dictionary<string, string?>
        {
            ["Identification:StateStore"] = store,
            ["Identification:TemplateLength"] = Dimensions.ToString(CultureInfo.InvariantCulture),
            ["Identification:OffenderThreshold"] = "0.8",
            ["Identification:PassengerThreshold"] = "0.8",
        },
        applicationName: typeof(IdentificationExtensions).Assembly.GetName().Name);

    /// <summary>Equipment, as identification asks it about cameras, beside a sidecar of app-id <c>equipment</c>; it knows no camera yet.</summary>
    public static async Task<FakeEquipment> StartEquipmentAsync(LocalRuntime runtime, CancellationToken cancellationToken)
    {
        var equipment = new FakeEquipment();
        await runtime.StartGrpcAppAsync("equipment", equipment, cancellationToken);
        return equipment;
    }

    /// <summary>Equipment's CameraInstalled for cam-1 on ts-1 at stn-1, published through <paramref name="via"/>; returns once identification stored the camera.</summary>
    public static async Task InstallCameraAsync(LocalRuntime runtime, AppNode via, CancellationToken cancellationToken)
    {
        await via.Client.PublishIntegrationEventAsync(Topics.Equipment, new CameraInstalled
        {
            CameraId = "cam-1", StationId = "stn-1", TurnstileId = "ts-1", InstalledAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, cancellationToken: cancellationToken);
        await Eventually.UntilAsync(() => State(runtime).Any(e => e.Key == "identification||camera|cam-1"), "the camera is known", Patience, cancellationToken);
    }

    public static FaceTemplate Template(string id, float[] values)
    {
        var template = new FaceTemplate { TemplateId = id };
        template.Values.AddRange(values);
        return template;
    }

    public static SubmitCaptureRequest Capture(string id, float[] values, string camera = "cam-1", string turnstile = "ts-1") => new()
    {
        CaptureId = id,
        CameraId = camera,
        TurnstileId = turnstile,
        Direction = PassageDirection.Ingress,
        CapturedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero)),
        Template = Template("", values),
    };

    /// <summary>Every key and value of the in-memory state store <paramref name="store"/> (declared in <paramref name="file"/>).</summary>
    public static IReadOnlyList<KeyValuePair<string, byte[]>> State(LocalRuntime runtime, string store = "statestore", string file = "components.yaml") =>
        ((InMemoryStateStore)runtime.Environment.Components.StateStore(new ComponentSpec(store, "state.in-memory", "v1",
            new Dictionary<string, string>(), [], Path.Combine(runtime.Resources, file), 0))).Snapshot();

    /// <summary>How a template could appear in text: the base64 of its leading bytes (at each alignment) and its first values printed.</summary>
    public static string[] Fingerprints(float[] template)
    {
        var bytes = MemoryMarshal.AsBytes(template.AsSpan()).ToArray();
        return
        [
            Convert.ToBase64String(bytes, 0, 24),
            Convert.ToBase64String(bytes, 1, 24)[4..28],
            Convert.ToBase64String(bytes, 2, 24)[4..28],
            template[0].ToString("R", CultureInfo.InvariantCulture),
            template[1].ToString(CultureInfo.InvariantCulture),
            template[2].ToString("F5", CultureInfo.InvariantCulture),
        ];
    }
}
