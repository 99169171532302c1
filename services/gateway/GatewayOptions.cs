using Mtaeda.Gateway.Domain;

namespace Mtaeda.Gateway;

/// <summary>
/// The gateway's settings: section <c>Gateway</c> (e.g. <c>Gateway__BatchMaxDelay=00:00:00.5</c>), and the environment
/// variables <c>APP_PORT</c>, <c>GATEWAY_DEVICE_PORT</c>, <c>GATEWAY_JOURNAL_DIR</c> and <c>GATEWAY_CERTS_DIR</c>.
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Gateway";

    /// <summary>Port for the Dapr sidecar (health, metrics, subscriptions), h2c. <c>APP_PORT</c>; default 5103.</summary>
    public int AppPort { get; set; } = 5103;

    /// <summary>Port devices connect to (TLS, client certificates required). <c>GATEWAY_DEVICE_PORT</c>; default 5443.</summary>
    public int DevicePort { get; set; } = 5443;

    /// <summary>Journal directory. <c>GATEWAY_JOURNAL_DIR</c>; default <c>&lt;repository&gt;/.dapr/gateway-journal/&lt;app-id&gt;</c>.</summary>
    public string? JournalDirectory { get; set; }

    /// <summary>fsync the journal (default true; turning it off loses acknowledged passages on power loss).</summary>
    public bool JournalFsync { get; set; } = true;

    /// <summary>Journal segment size before a new one is started.</summary>
    public long JournalSegmentBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The equipment service's Dapr app-id.</summary>
    public string EquipmentAppId { get; set; } = "equipment";

    /// <summary>Station reported to devices whose station is known neither by equipment nor by their certificate.</summary>
    public string StationId { get; set; } = "";

    /// <summary>Longest a passage waits in an open batch (flush at least this often).</summary>
    public TimeSpan BatchMaxDelay { get; set; } = BatchingPolicy.Default.MaxDelay;

    /// <summary>Most passages in one batch.</summary>
    public int BatchMaxPassages { get; set; } = BatchingPolicy.Default.MaxPassages;

    /// <summary>How often a device with nothing to say sends a heartbeat (told in Welcome).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Silence after which a device is reported offline; default 3 × <see cref="HeartbeatInterval"/>.</summary>
    public TimeSpan? OfflineAfter { get; set; }

    /// <summary>Deadline of one call to equipment.</summary>
    public TimeSpan EquipmentCallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Calls to equipment in flight at once (each device has at most one: its order is kept).</summary>
    public int MaxConcurrentForwards { get; set; } = 32;

    /// <summary>App id of identification, which face captures are handed to.</summary>
    public string IdentificationAppId { get; set; } = "identification";

    /// <summary>How long a capture's call to identification may take.</summary>
    public TimeSpan IdentificationCallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Captures in flight to identification at once.</summary>
    public int MaxConcurrentCaptures { get; set; } = 8;

    /// <summary>Captures waiting for a call at most; more are dropped (counted, never kept).</summary>
    public int CaptureQueue { get; set; } = 1000;

    /// <summary>First wait after equipment could not be reached; doubles up to <see cref="RetryMaxBackoff"/>.</summary>
    public TimeSpan RetryMinBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between attempts while equipment cannot be reached.</summary>
    public TimeSpan RetryMaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Wait before forwarding again an entry equipment refused because the turnstile's station is offline
    /// (<c>STATION_OFFLINE</c>): the entry stays journaled, its device's later entries wait behind it, and other
    /// devices go on; once the station is open again the entry is recorded.
    /// </summary>
    public TimeSpan StationOfflineRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Push status changes to devices from equipment's events (subscribes to the <c>equipment</c> topic).</summary>
    public bool StatusUpdates { get; set; } = true;

    /// <summary>Server certificate (PEM) for the device port; with <see cref="ServerKeyPath"/> and <see cref="StationCaPath"/>, no development certificates are made.</summary>
    public string? ServerCertificatePath { get; set; }

    /// <summary>Server private key (PEM).</summary>
    public string? ServerKeyPath { get; set; }

    /// <summary>The station CA certificate (PEM) device certificates must chain to.</summary>
    public string? StationCaPath { get; set; }

    /// <summary>
    /// Use (and make, when missing) development certificates when no certificate files are configured. On by default in
    /// the Development environment only: elsewhere the gateway refuses to start without <see cref="ServerCertificatePath"/>,
    /// <see cref="ServerKeyPath"/> and <see cref="StationCaPath"/>.
    /// </summary>
    public bool? DevelopmentCertificates { get; set; }

    /// <summary>Development certificates directory. <c>GATEWAY_CERTS_DIR</c>; default <c>&lt;repository&gt;/.dapr/certs</c>.</summary>
    public string? CertificatesDirectory { get; set; }

    /// <summary>The batching policy these settings give.</summary>
    public BatchingPolicy Batching => new(BatchMaxDelay, BatchMaxPassages);

    /// <summary>The offline deadline in force.</summary>
    public TimeSpan EffectiveOfflineAfter => OfflineAfter ?? HeartbeatInterval * 3;

    /// <summary>Checks the values; throws naming the setting.</summary>
    public void Validate()
    {
        if (BatchMaxDelay <= TimeSpan.Zero || BatchMaxDelay > TimeSpan.FromMinutes(1)) throw new InvalidOperationException("Gateway:BatchMaxDelay must be between 1 ms and 60 s.");
        if (BatchMaxPassages < 1) throw new InvalidOperationException("Gateway:BatchMaxPassages must be at least 1.");
        if (HeartbeatInterval <= TimeSpan.Zero) throw new InvalidOperationException("Gateway:HeartbeatInterval must be positive.");
        if (EffectiveOfflineAfter <= HeartbeatInterval) throw new InvalidOperationException("Gateway:OfflineAfter must be longer than Gateway:HeartbeatInterval.");
        if (MaxConcurrentForwards < 1) throw new InvalidOperationException("Gateway:MaxConcurrentForwards must be at least 1.");
        if (EquipmentCallTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Gateway:EquipmentCallTimeout must be positive.");
        if (IdentificationCallTimeout <= TimeSpan.Zero) throw new InvalidOperationException("Gateway:IdentificationCallTimeout must be positive.");
        if (MaxConcurrentCaptures < 1 || CaptureQueue < 1) throw new InvalidOperationException("Gateway:MaxConcurrentCaptures and Gateway:CaptureQueue must be at least 1.");
        if (StationOfflineRetryInterval <= TimeSpan.Zero) throw new InvalidOperationException("Gateway:StationOfflineRetryInterval must be positive.");
        if (AppPort == DevicePort) throw new InvalidOperationException("APP_PORT and GATEWAY_DEVICE_PORT must differ.");
        var files = new[] { ServerCertificatePath, ServerKeyPath, StationCaPath }.Count(p => !string.IsNullOrWhiteSpace(p));
        if (files is not (0 or 3)) throw new InvalidOperationException("Gateway:ServerCertificatePath, Gateway:ServerKeyPath and Gateway:StationCaPath go together: give all three or none (development certificates).");
    }
}
