namespace Mtaeda.Identification.Tests;

/// <summary>
/// The sign-code matcher (<see cref="SignCodeMatcher"/>) against exact search: at 10,000 templates, captures at cosine
/// 0.6 ± 0.035 to their template (some fall below the threshold, 0.55) are decided as exact search decides them, and
/// most are found; and its Hamming distances.
/// </summary>
public sealed class SignCodeMatcherTests : ApproximateMatcherTests<SignCodeMatcher>
{
    /// <inheritdoc />
    protected override double CaptureSimilarity => 0.6;

    /// <inheritdoc />
    protected override double FoundAtLeast => 0.8;

    /// <inheritdoc />
    protected override SignCodeMatcher Create() => new(Dimensions);

    [Theory]
    [InlineData(8, 1027)]
    [InlineData(8, 3)]
    [InlineData(2, 50)]
    public void Hamming_distances_are_the_number_of_differing_bits(int words, int codes)
    {
        var random = new Random(words * codes);
        var all = new ulong[words * codes];
        for (var i = 0; i < all.Length; i++) all[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        all[0] = ulong.MaxValue; // every bit differing from a zero word, and none from an all-ones word
        var query = new ulong[words];
        for (var i = 0; i < words; i++) query[i] = (ulong)random.NextInt64();
        query[0] = 0;
        var expected = new int[codes];
        for (var c = 0; c < codes; c++)
        {
            for (var w = 0; w < words; w++)
            {
                var differing = all[c * words + w] ^ query[w];
                for (var bit = 0; bit < 64; bit++) expected[c] += (int)((differing >> bit) & 1);
            }
        }
        var vectorized = new int[codes];
        var scalar = new int[codes];
        SignCodeMatcher.HammingDistances(all, query, vectorized);
        SignCodeMatcher.HammingDistances(all, query, scalar, vectorized: false);
        Assert.Equal(expected, vectorized);
        Assert.Equal(expected, scalar);
    }
}
