namespace Mtaeda.Identification.Infrastructure;

/// <summary>Settings (section <c>Identification</c>, environment <c>Identification__Name</c>).</summary>
public sealed class IdentificationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Identification";

    /// <summary>Length of a face template (the cameras' model's embedding size).</summary>
    public int TemplateLength { get; init; } = 512;

    /// <summary>Least cosine similarity for a watch-list match.</summary>
    public float OffenderThreshold { get; init; } = 0.55f;

    /// <summary>Least cosine similarity for a passenger match.</summary>
    public float PassengerThreshold { get; init; } = 0.6f;

    /// <summary>
    /// The state store of templates, case data and identifications: a store of its own, encrypted at rest by Dapr
    /// (<c>primaryEncryptionKey</c> from a secret store; see <c>components/redis/identificationstore.yaml</c>).
    /// </summary>
    public string StateStore { get; init; } = "identificationstore";

    /// <summary>Largest image crop kept with a match.</summary>
    public int MaxImageBytes { get; init; } = 256 * 1024;

    /// <summary>How long a capture id is remembered (in memory only, as a keyed hash) to refuse a duplicate.</summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many capture ids are remembered (the oldest are forgotten first).</summary>
    public int DuplicateCapacity { get; init; } = 200_000;

    /// <summary>Interactions kept per person (the oldest dropped first).</summary>
    public int InteractionsPerPerson { get; init; } = 1000;

    /// <summary>How often events whose publish failed are published again.</summary>
    public TimeSpan OutboxSweep { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>HNSW graph parameters.</summary>
    public HnswSettings Hnsw { get; init; } = new();
}
