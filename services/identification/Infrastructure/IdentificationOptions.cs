using Mtaeda.Identification.Domain;

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

    /// <summary>Which matcher holds the templates: <see cref="MatcherKind.Lsh"/> (the default), <see cref="MatcherKind.SignCode"/> or <see cref="MatcherKind.Hnsw"/>.</summary>
    public MatcherKind Matcher { get; init; } = MatcherKind.Lsh;

    /// <summary>Sign-code matcher parameters (used when <see cref="Matcher"/> is <see cref="MatcherKind.SignCode"/>).</summary>
    public SignCodeSettings SignCode { get; init; } = new();

    /// <summary>Multi-probe LSH matcher parameters (used when <see cref="Matcher"/> is <see cref="MatcherKind.Lsh"/>).</summary>
    public LshSettings Lsh { get; init; } = new();

    /// <summary>HNSW graph parameters (used when <see cref="Matcher"/> is <see cref="MatcherKind.Hnsw"/>).</summary>
    public HnswSettings Hnsw { get; init; } = new();
}

/// <summary>The matchers the service can run.</summary>
public enum MatcherKind
{
    /// <summary><see cref="SignCodeMatcher"/>: sign codes scanned with popcount, re-ranked by exact cosine.</summary>
    SignCode,

    /// <summary><see cref="HnswMatcher"/>: USearch's HNSW graph.</summary>
    Hnsw,

    /// <summary><see cref="MultiProbeLshMatcher"/>: multi-probe cross-polytope LSH, candidates compared by sign code and re-ranked by exact cosine.</summary>
    Lsh,
}
