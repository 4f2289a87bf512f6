{
  "targets": [
    {
      "target_name": "theval",
      "sources": [
        "<!@(node -p \"var s=require('./native/sources.json'); s.sources.concat(s.no_cuda, s.no_tensorrt).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node -p \"require('./native/sources.json').include_dirs.join(' ')\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "<!@(pkg-config --cflags libavformat libavcodec libswscale libswresample libavutil)", "<!@(pkg-config --cflags opencv4)"],
      "libraries": [
        "<!@(pkg-config --libs libavformat libavcodec libswscale libswresample libavutil)",
        "<!@(pkg-config --libs-only-L opencv4)",
        "-lopencv_quality", "-lopencv_dnn", "-lopencv_ml", "-lopencv_imgproc", "-lopencv_core"
      ]
    }
  ]
}
