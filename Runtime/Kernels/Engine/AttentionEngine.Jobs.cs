using System;
using System.Runtime.CompilerServices;
using KernelGen.Caching;
using KernelGen.Threading;

namespace KernelGen.Kernels.Engine;

public sealed partial class AttentionEngine
{
    /// <summary>
    /// A decode call handed to the workers. One instance per thread and per (microkernels,
    /// pattern, cache format), reused for every call: a run allocates nothing. The spans it carries are
    /// pinned by the caller for the length of the run.
    /// </summary>
    private sealed unsafe class DecodeJob<TMicro, TPattern, TFormat> : IParallelJob
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        [ThreadStatic]
        private static DecodeJob<TMicro, TPattern, TFormat>? _forThisThread;

        private AttentionEngine? _engine;
        private TMicro _micro;
        private TPattern _pattern;
        private KvCache? _cache;
        private int _layer, _position, _queryLength, _outputLength, _parts;
        private float* _query, _output;

        public static DecodeJob<TMicro, TPattern, TFormat> ForThisThread => _forThisThread ??= new();

        public void Set(AttentionEngine engine, in TMicro micro, in TPattern pattern, KvCache cache, int layer, int position,
            float* query, int queryLength, float* output, int outputLength, int parts)
        {
            (_engine, _micro, _pattern, _cache, _layer, _position) = (engine, micro, pattern, cache, layer, position);
            _query = query;
            _output = output;
            (_queryLength, _outputLength, _parts) = (queryLength, outputLength, parts);
        }

        public void Clear()
        {
            (_engine, _cache) = (null, null);
            _query = _output = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int item, int worker) =>
            _engine!.DecodePair<TMicro, TPattern, TFormat>(_micro, _pattern, _engine._scratch[worker], _cache!, _layer, _position,
                new ReadOnlySpan<float>(_query, _queryLength), new Span<float>(_output, _outputLength), item / _parts, item % _parts, _parts);
    }

    /// <summary>A prefill call handed to the workers; see <see cref="DecodeJob{TMicro, TPattern, TFormat}"/>.</summary>
    private sealed unsafe class PrefillJob<TMicro, TPattern, TFormat> : IParallelJob
        where TMicro : struct, IAttentionMicrokernels
        where TPattern : struct, IKeyPattern
        where TFormat : struct, IKvCacheFormat
    {
        [ThreadStatic]
        private static PrefillJob<TMicro, TPattern, TFormat>? _forThisThread;

        private AttentionEngine? _engine;
        private TMicro _micro;
        private TPattern _pattern;
        private KvCache? _cache;
        private int _layer, _start, _count, _queryLength, _outputLength, _tileLength, _firstTile, _tiles;
        private float* _query, _output;

        public static PrefillJob<TMicro, TPattern, TFormat> ForThisThread => _forThisThread ??= new();

        public void Set(AttentionEngine engine, in TMicro micro, in TPattern pattern, KvCache cache, int layer, int start, int count,
            float* query, int queryLength, float* output, int outputLength, int tileLength, int firstTile, int tiles)
        {
            (_engine, _micro, _pattern, _cache, _layer, _start, _count) = (engine, micro, pattern, cache, layer, start, count);
            _query = query;
            _output = output;
            (_queryLength, _outputLength, _tileLength, _firstTile, _tiles) = (queryLength, outputLength, tileLength, firstTile, tiles);
        }

        public void Clear()
        {
            (_engine, _cache) = (null, null);
            _query = _output = null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int item, int worker) =>
            _engine!.PrefillItem<TMicro, TPattern, TFormat>(_micro, _pattern, _engine._scratch[worker], _cache!, _layer, _start, _count,
                new ReadOnlySpan<float>(_query, _queryLength), new Span<float>(_output, _outputLength), _tileLength, _firstTile, _tiles, item);
    }
}
